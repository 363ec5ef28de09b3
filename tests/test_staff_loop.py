"""One ticket's life against running servers, with two replicas of each: asked in the web chat, answered
in the staff Slack thread, seen in the widget and in the email, told on request, promoted to knowledge,
then answered by the assistant itself.

Real parts: two Rasa servers and two action servers on loopback sharing the ticket, knowledge and
conversation databases (SQLite files), the local fake Slack API for both workspaces, a local SMTP server
(aiosmtpd) and, for the widget, headless Chromium.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid

import pytest
import requests

from bot.cli import main
from bot.config import load_settings
from bot.handoffs.tickets import open_handoffs
from tests.conftest import KNOWLEDGE_DIR, free_port, require_model
from tests.fake_slack import FakeSlackApi
from tests.smtp_server import SmtpServer
from tests.test_slack import SECRET, signed
from tests.test_webchat_browser import ask, browser, open_widget, page, require_chromium  # noqa: F401 - fixtures
from tools import servers

pytestmark = [pytest.mark.model, pytest.mark.servers]

STAFF, BOT, STAFFER = "C0STAFF", "U0BOT", "U0STAFFER"


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    model = require_model()
    root = tmp_path_factory.mktemp("loop")
    shutil.copytree(KNOWLEDGE_DIR, root / "knowledge")
    env = {"KNOWLEDGE_DB_URL": f"sqlite:///{root / 'knowledge.db'}", "KNOWLEDGE_DIR": str(root / "knowledge"),
           "HANDOFF_DB_URL": f"sqlite:///{root / 'handoffs.db'}", "HANDOFF_SLACK_CHANNEL": STAFF,
           "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SECRET, "EMAIL_FROM": "studentservices@example.edu",
           # Two replicas: an id one issues, the other accepts.
           "WEBCHAT_SECRET": uuid.uuid4().hex}
    with FakeSlackApi() as slack, SmtpServer() as smtp:
        env.update(SLACK_API_URL=slack.url, SMTP_URL=smtp.url)
        ports = [free_port(), free_port()]
        logs = tmp_path_factory.mktemp("logs")
        with servers.running(model, rasa_port=ports[0], action_port=free_port(), env=env, log_dir=logs,
                             tracker_db=root / "tracker.db"), \
                servers.running(model, rasa_port=ports[1], action_port=free_port(), env=env, log_dir=logs,
                                tracker_db=root / "tracker.db"):
            yield {"urls": [f"http://127.0.0.1:{p}" for p in ports], "slack": slack, "smtp": smtp,
                   "settings": load_settings(env)}


def new_sender(base: str) -> str:
    """A conversation id the web chat issued."""
    issued = requests.post(f"{base}/webhooks/webchat/session", timeout=10)
    issued.raise_for_status()
    return issued.json()["sender"]


def chat(base: str, sender: str, message: str) -> str:
    answer = requests.post(f"{base}/webhooks/webchat/webhook", json={"sender": sender, "message": message}, timeout=60)
    answer.raise_for_status()
    return "\n".join(m.get("text", "") for m in answer.json())


def replies(base: str, sender: str) -> list[dict]:
    answer = requests.post(f"{base}/webhooks/webchat/replies", json={"sender": sender}, timeout=10)
    answer.raise_for_status()
    return answer.json()["replies"]


def staff_reply(loop, ticket, text: str, replica: int) -> requests.Response:
    """The staff member's reply in the ticket's thread, as Slack posts it (signed) to one replica."""
    body = {"type": "event_callback", "event_id": "Ev" + uuid.uuid4().hex[:10], "authorizations": [{"user_id": BOT}],
            "event": {"type": "message", "user": STAFFER, "text": text, "channel": STAFF, "channel_type": "channel",
                      "ts": f"{time.time():.6f}", "thread_ts": ticket.staff_ts, "parent_user_id": BOT}}
    return staff_event(loop, body, replica)


def staff_event(loop, body: dict, replica: int, **headers: str) -> requests.Response:
    return requests.post(f"{loop['urls'][replica]}/webhooks/slack/webhook", timeout=30,
                         **signed(body, headers=headers))


def hand_off(base: str, sender: str, question: str) -> str:
    for message in ("can I talk to an advisor?", "Ada Lovelace", "ada@example.edu", question):
        chat(base, sender, message)
    return chat(base, sender, "/affirm")


def ticket_of(loop, sender: str):
    [ticket] = open_handoffs(loop["settings"].handoff_db_url).of_conversation(f"webchat:{sender}")
    return ticket


def test_one_tickets_life(loop) -> None:
    a, b = loop["urls"]
    sender = new_sender(a)
    assert "301-405-2038" in chat(a, sender, "Do I need to take the GRE for the online MLS?")  # not covered yet
    done = hand_off(a, sender, "Do I need to take the GRE for the online MLS?")
    ticket = ticket_of(loop, sender)
    assert f"your reference is {ticket.reference}" in done and ticket.staff_ts
    assert "haven't replied yet" in chat(b, sender, "did anyone answer my question?")
    # Staff answer in the thread; Slack delivers the event to one replica and retries it on the other.
    answer = "No: the online programs do not ask for GRE scores."
    assert staff_reply(loop, ticket, answer, replica=1).status_code == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    body = {"type": "event_callback", "authorizations": [{"user_id": BOT}],
            "event": {"type": "message", "user": STAFFER, "text": answer, "channel": STAFF, "ts": "9.000001",
                      "thread_ts": ticket.staff_ts, "parent_user_id": BOT}}
    for replica in (0, 1):
        assert staff_event(loop, body, replica, **retry).status_code == 200
    # Reached the student once: one email, one reply in the web chat from either replica.
    [(recipients, email)] = loop["smtp"].wait_for(1)
    assert recipients == ["ada@example.edu"] and answer in email.get_content()
    for base in (a, b):
        assert replies(base, sender) == [{"id": ticket.reference,
                                          "text": f"Reply from the Student Services Office: {answer}"}]
    assert replies(a, new_sender(b)) == []  # another conversation sees nothing
    guessed = requests.post(f"{a}/webhooks/webchat/replies", json={"sender": uuid.uuid4().hex}, timeout=10)
    assert guessed.status_code == 403, "nor does an id the server did not issue"
    notes = [p["text"] for p in loop["slack"].posts() if p.get("thread_ts") == ticket.staff_ts]
    assert len([n for n in notes if n.startswith("Sent to the student")]) == 1, notes
    # Told on request, to this conversation only.
    assert answer in chat(a, sender, "did anyone answer my question?")
    assert "can't find" in chat(b, new_sender(b), f"what happened to {ticket.reference}?")
    # Promoted to knowledge: the assistant answers from it on the next message.
    assert main(["knowledge", "promote", ticket.reference, "--topic", "gre"], loop["settings"]) == 0
    assert answer in chat(b, new_sender(a), "do I need the GRE?")


def test_wrong_channel_bad_reference_and_markup(loop) -> None:
    a, _ = loop["urls"]
    sender = new_sender(a)
    hand_off(a, sender, "Can I park at College Park during orientation?")
    ticket = ticket_of(loop, sender)
    before = len(loop["slack"].posts())
    wrong = {"type": "event_callback", "authorizations": [{"user_id": BOT}],
             "event": {"type": "message", "user": STAFFER, "text": "an answer", "channel": "C0ELSEWHERE",
                       "channel_type": "channel", "ts": f"{time.time():.6f}", "thread_ts": ticket.staff_ts}}
    assert staff_event(loop, wrong, 0).status_code == 200
    time.sleep(2)
    assert ticket_of(loop, sender).status == "open" and len(loop["slack"].posts()) == before
    unsigned = requests.post(f"{a}/webhooks/slack/webhook", data=json.dumps(wrong), timeout=10,
                             headers={"content-type": "application/json"})
    assert unsigned.status_code == 401
    staff_reply(loop, ticket, "Yes &lt;b&gt;lot 1&lt;/b&gt; &amp; <https://umd.edu/park|the map>", replica=0)
    [shown] = replies(a, sender)
    assert shown["text"] == "Reply from the Student Services Office: Yes <b>lot 1</b> & the map (https://umd.edu/park)"


@pytest.mark.browser
def test_the_widget_shows_the_staff_reply_once_as_text(loop, page) -> None:  # noqa: F811 - the page fixture
    require_chromium()
    a, _ = loop["urls"]
    site = f"{a}/webhooks/webchat/"
    open_widget(page, site)
    for message in ("I'd like to talk to a person", "Grace Hopper", "grace@example.edu",
                    "Is there a mentoring program for online students?"):
        ask(page, message)
    page.get_by_role("button", name="Send it").click()
    page.wait_for_function("document.body.innerText.includes('your reference is')", timeout=30_000)
    sender = page.evaluate("JSON.parse(Object.entries(sessionStorage)[0][1]).sender")
    ticket = ticket_of(loop, sender)
    staff_reply(loop, ticket, "Yes: &lt;img src=x onerror=window.__pwned=1&gt; ask us for a mentor.", replica=1)
    page.reload()
    page.wait_for_function("document.body.innerText.includes('Reply from the Student Services Office')",
                           timeout=30_000)
    shown = page.locator(".isa-bot").last
    assert shown.inner_text().endswith("Reply from the Student Services Office: Yes: <img src=x "
                                       "onerror=window.__pwned=1> ask us for a mentor.")
    assert shown.locator("img").count() == 0 and page.evaluate("window.__pwned") is None
    page.reload()  # shown once, even after another poll
    page.wait_for_selector(".isa-msg")
    time.sleep(2)
    assert page.locator(".isa-log").inner_text().count("Reply from the Student Services Office") == 1
