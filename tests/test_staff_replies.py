"""Staff answer a ticket in its Slack thread or from the command line; the student gets the answer.

Real parts: a local SMTP server (aiosmtpd) receives the email, the local fake Slack API records the posts
to the student's thread and the staff thread, and the tickets live in an SQLite file.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.database import make_engine
from bot.handoffs import delivery, mail, status
from bot.handoffs.notify import CLOSE_ACTION, REOPEN_ACTION, notify_staff
from bot.handoffs.staff_thread import StaffThread
from bot.handoffs.tickets import ANSWER_MAX, open_handoffs
from bot.knowledge.store import KnowledgeStore
from tests.conftest import KNOWLEDGE_DIR, NOW, fresh_store
from tests.fake_slack import FakeSlackApi
from tests.smtp_server import SmtpServer

STAFF, BOT, STAFFER = "C0STAFF", "U0BOT", "U0STAFFER"


@pytest.fixture
def slack():
    with FakeSlackApi() as api:
        yield api


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def knowledge() -> KnowledgeStore:
    return fresh_store()


@pytest.fixture
def settings(tmp_path, slack, smtp):
    return load_settings({"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'handoffs.db'}", "HANDOFF_SLACK_CHANNEL": STAFF,
                          "SLACK_BOT_TOKEN": "xoxb-student", "HANDOFF_SLACK_TOKEN": "xoxb-staff",
                          "SLACK_API_URL": slack.url, "SMTP_URL": smtp.url, "EMAIL_FROM": "studentservices@example.edu",
                          "EMAIL_REPLY_TO": "ask@example.edu", "KNOWLEDGE_DIR": str(tmp_path / "knowledge")})


@pytest.fixture
def queue(settings):
    return open_handoffs(settings.handoff_db_url)


@pytest.fixture
def thread(settings, queue, knowledge):
    return StaffThread(settings, handoffs=lambda: queue, store=lambda: knowledge)


def posted_ticket(queue, settings, *, channel="webchat", sender="webchat:abc12345", email="ada@example.edu",
                  name="Ada Lovelace", question="Can I defer my start to spring?"):
    """A ticket stored and posted to the staff channel, as the handoff action does it."""
    ticket = queue.create(channel=channel, sender_id=sender, name=name, email=email, question=question,
                          transcript=[{"from": "user", "text": question}], now=NOW)
    error = notify_staff(ticket, token=settings.handoff_slack_token, channel=STAFF, api_url=settings.slack_api_url)
    queue.record_notification(ticket, error)
    return queue.get(ticket.reference)


def reply(ticket, text: str, *, user: str = STAFFER, channel: str = STAFF, **extra) -> dict:
    """A signed Events API body as Slack sends it for a message in the ticket's thread."""
    event = {"type": "message", "user": user, "text": text, "channel": channel,
             "ts": f"{dt.datetime.now().timestamp():.6f}", "thread_ts": ticket.staff_ts, "parent_user_id": BOT,
             "channel_type": "channel", **extra}
    return {"type": "event_callback", "authorizations": [{"user_id": BOT}], "event": event}


def press(ticket, action: str, *, channel: str = STAFF) -> dict:
    return {"type": "block_actions", "user": {"id": STAFFER}, "channel": {"id": channel},
            "message": {"ts": ticket.staff_ts}, "trigger_id": "t1",
            "actions": [{"type": "button", "action_id": action, "value": ticket.reference}]}


def thread_notes(slack, ticket) -> list[str]:
    return [p["text"] for p in slack.posts() if p.get("channel") == STAFF and p.get("thread_ts") == ticket.staff_ts]


def test_the_staff_post_starts_a_thread_with_close_and_reopen_buttons(slack, queue, settings) -> None:
    ticket = posted_ticket(queue, settings)
    assert ticket.staff_channel == STAFF and ticket.staff_ts
    [post] = slack.posts()
    buttons = [e["action_id"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [CLOSE_ACTION, REOPEN_ACTION]
    assert all(len(b["text"]["text"]) <= 3000 for b in post["blocks"] if b["type"] == "section")


def test_a_reply_in_the_thread_answers_the_ticket_and_reaches_the_student_by_email(
        thread, slack, smtp, queue, settings) -> None:
    ticket = posted_ticket(queue, settings)
    assert thread.on_event(reply(ticket, "Yes: write to us before *July 1* &amp; we move you "
                                         "to the spring cohort. See <https://ischool.umd.edu/x|the form>.")) \
        == f"{ticket.reference}: answered."
    stored = queue.get(ticket.reference)
    answer = "Yes: write to us before *July 1* & we move you to the spring cohort. See the form (https://ischool.umd.edu/x)."
    assert (stored.status, stored.answer, stored.answered_by) == ("answered", answer, STAFFER)
    [(recipients, message)] = smtp.wait_for(1)
    assert recipients == ["ada@example.edu"]
    assert message["To"] == "Ada Lovelace <ada@example.edu>" and message["Reply-To"] == "ask@example.edu"
    assert message["From"] == "studentservices@example.edu" and ticket.reference in message["Subject"]
    body = message.get_content()
    assert "Can I defer my start to spring?" in body and answer in body and "301-405-2038" in body
    assert "email: sent" in stored.delivery and "web chat" in stored.delivery
    [note] = thread_notes(slack, ticket)
    assert note.startswith(f"Sent to the student as the answer to {ticket.reference}")
    # The web chat shows it to this conversation only.
    [shown] = delivery.web_replies(queue, None, "webchat:abc12345")
    assert shown == {"id": ticket.reference, "text": f"Reply from the Student Services Office: {answer}"}
    assert delivery.web_replies(queue, None, "webchat:someone-else") == []


def test_a_slack_student_gets_the_answer_in_their_own_thread(thread, slack, queue, settings) -> None:
    ticket = posted_ticket(queue, settings, channel="slack", sender="slack:U0STUDENT_D0DM_1700000000.000100",
                           email="")
    thread.on_event(reply(ticket, "Yes. <@U0BOSS> <!channel> check &lt;b&gt;this&lt;/b&gt;"))  # Slack escapes < >
    [to_student] = [p for p in slack.posts() if p["channel"] == "D0DM"]
    assert to_student["thread_ts"] == "1700000000.000100"
    assert ("Reply from the Student Services Office: Yes. check &lt;b&gt;this&lt;/b&gt;"
            == to_student["text"])  # mentions dropped; what remains is escaped, so no markup or ping reaches them
    to_dm = {(method, token) for method, token, body in slack.calls if body.get("channel") == "D0DM"}
    assert to_dm == {("chat.postMessage", "Bearer xoxb-student")}
    assert "email: the student gave no address" in queue.get(ticket.reference).delivery


@pytest.mark.parametrize("change", [
    {"user": BOT},  # the assistant itself
    {"bot_id": "B0OTHER"},  # another bot
    {"subtype": "message_changed"},  # an edit
    {"thread_ts": None},  # not in a thread
    {"type": "app_mention"},
], ids=["self", "bot", "edit", "no-thread", "mention"])
def test_bots_edits_and_messages_outside_a_thread_are_ignored(thread, slack, queue, settings, change) -> None:
    ticket = posted_ticket(queue, settings)
    body = reply(ticket, "An answer")
    body["event"].update(change)
    assert "ignored" in thread.on_event(body)
    assert queue.get(ticket.reference).status == "open" and len(slack.posts()) == 1


def test_a_reply_in_another_channel_is_not_staff_business(thread, queue, settings) -> None:
    ticket = posted_ticket(queue, settings)
    assert not thread.is_staff_event(reply(ticket, "An answer", channel="C0STUDENTS")["event"])
    assert "ignored" in thread.on_action(press(ticket, CLOSE_ACTION, channel="C0STUDENTS"))
    assert queue.get(ticket.reference).status == "open"


def test_a_reply_to_a_closed_or_unknown_ticket_is_explained_in_the_thread(thread, slack, smtp, queue, settings) -> None:
    ticket = posted_ticket(queue, settings)
    thread.on_action(press(ticket, CLOSE_ACTION))
    assert queue.get(ticket.reference).status == "closed"
    thread.on_event(reply(ticket, "Too late?"))
    notes = thread_notes(slack, ticket)
    assert "Closed without a reply" in notes[0] and f"Not sent: {ticket.reference} is closed" in notes[1]
    # Reopened, the next reply goes out.
    thread.on_action(press(ticket, REOPEN_ACTION))
    assert thread.on_event(reply(ticket, "Here it is after all.")) == f"{ticket.reference}: answered."
    assert len(smtp.wait_for(1)) == 1
    # A post of the assistant's that is no ticket (deleted after retention): explained; any other thread: ignored.
    body = reply(ticket, "hello?")
    body["event"]["thread_ts"] = "1.000001"
    assert thread.on_event(body) == "Unknown ticket."
    body["event"]["parent_user_id"] = STAFFER
    assert "ignored" in thread.on_event(body)
    assert "not a ticket the assistant still has" in slack.posts()[-1]["text"]


def test_a_second_reply_is_not_sent_twice_and_a_retry_is_silent(thread, slack, smtp, queue, settings) -> None:
    ticket = posted_ticket(queue, settings)
    first = reply(ticket, "The answer.")
    thread.on_event(first)
    assert thread.on_event(first) == f"{ticket.reference}: this reply was already delivered."  # Slack's retry
    thread.on_event(reply(ticket, "And another thing."))
    assert len(smtp.wait_for(1)) == 1
    notes = thread_notes(slack, ticket)
    assert len(notes) == 2 and "was already answered" in notes[1] and "Press Reopen" in notes[1]
    assert queue.get(ticket.reference).answer == "The answer."


def test_an_answer_too_long_for_the_student_is_refused_and_nothing_is_lost(thread, slack, smtp, queue,
                                                                           settings) -> None:
    ticket = posted_ticket(queue, settings)
    thread.on_event(reply(ticket, "x" * (ANSWER_MAX + 1)))
    assert queue.get(ticket.reference).status == "open"
    [note] = thread_notes(slack, ticket)
    assert f"at most {ANSWER_MAX:,}" in note and "still open" in note
    assert smtp.messages == []


def test_header_injection_through_the_name_is_impossible(thread, smtp, queue, settings) -> None:
    ticket = posted_ticket(queue, settings, name="Eve\r\nBcc: victim@example.com", question="Hi\r\nBcc: x@example.com")
    thread.on_event(reply(ticket, "Answer"))
    [(recipients, message)] = smtp.wait_for(1)
    assert recipients == ["ada@example.edu"] and message["Bcc"] is None
    with pytest.raises(mail.MailError):
        mail.message(settings, to="a@example.edu\r\nBcc: b@example.com", to_name="", subject="s", body="b")


def test_without_email_settings_nothing_is_sent_and_the_ticket_says_so(queue, settings, smtp, knowledge) -> None:
    plain = load_settings({"HANDOFF_DB_URL": settings.handoff_db_url})
    ticket = posted_ticket(queue, settings)
    outcome = delivery.answer_ticket(queue, ticket.reference, "Yes.", by="command line", settings=plain,
                                     store=knowledge)
    assert outcome.status == "answered" and "email: not sent, email is not configured" in outcome.ticket.delivery
    assert smtp.messages == []


def test_handoffs_reply_from_the_command_line(queue, settings, smtp, capsys) -> None:
    ticket = posted_ticket(queue, settings)
    assert main(["handoffs", "reply", "H-NOPE00", "--answer", "x"], settings) == 1
    assert main(["handoffs", "reply", ticket.reference, "--answer", "y" * (ANSWER_MAX + 1)], settings) == 2
    assert "Nothing was sent" in capsys.readouterr().err
    assert main(["handoffs", "reply", ticket.reference, "--answer", "Yes, you can."], settings) == 0
    assert "email: sent" in capsys.readouterr().out
    assert main(["handoffs", "reply", ticket.reference, "--answer", "Again."], settings) == 1
    assert len(smtp.wait_for(1)) == 1
    assert main(["handoffs", "close", ticket.reference, "--answer", "Told by phone too."], settings) == 0
    assert queue.get(ticket.reference).status == "closed"


def test_status_is_told_to_the_conversation_of_the_ticket_only(queue, settings) -> None:
    mine = posted_ticket(queue, settings, sender="webchat:mine-1234")
    theirs = posted_ticket(queue, settings, sender="webchat:theirs-1234")
    assert status.statuses(queue, "webchat:mine-1234", "did anyone answer?") == [
        status.Status("utter_ticket_status_open", {"reference": mine.reference, "answer": ""})]
    queue.answer(mine.reference, "Yes.", by=STAFFER)
    assert status.statuses(queue, "webchat:mine-1234", f"what happened to {mine.reference.lower()}?")[0].response \
        == "utter_ticket_status_answered"
    # Another conversation's reference gets the same answer as one that does not exist.
    assert status.statuses(queue, "webchat:mine-1234", f"and {theirs.reference}?") == [
        status.Status("utter_ticket_status_not_here", {"reference": theirs.reference})]
    assert status.statuses(queue, "webchat:nobody-1234", "any answer?")[0].response == "utter_ticket_status_none"


def test_staff_are_reminded_once_of_a_ticket_waiting_too_long(thread, slack, queue, settings) -> None:
    ticket = posted_ticket(queue, settings)
    later = NOW + dt.timedelta(hours=50)
    assert thread.remind(NOW + dt.timedelta(hours=1), dt.timedelta(hours=48)) == []
    assert thread.remind(later, dt.timedelta(hours=48)) == [ticket.reference]
    assert thread.remind(later, dt.timedelta(hours=48)) == []
    [note] = thread_notes(slack, ticket)
    assert "has waited 2 days" in note


def test_drafts_are_grouped_and_promoted_into_answers_yml(queue, settings, capsys, tmp_path) -> None:
    shutil.copytree(KNOWLEDGE_DIR, settings.knowledge_dir)
    db = load_settings({"HANDOFF_DB_URL": settings.handoff_db_url, "KNOWLEDGE_DIR": str(settings.knowledge_dir),
                        "KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path / 'knowledge.db'}"})
    first = posted_ticket(queue, settings, question="Do I need to take the GRE for the MLS?")
    second = posted_ticket(queue, settings, question="is the GRE required for the MIM?")
    posted_ticket(queue, settings, question="Where do I park at orientation?")
    for ticket in (first, second):
        queue.answer(ticket.reference, "No: the online programs do not ask for GRE scores.", by=STAFFER)
    assert main(["knowledge", "drafts"], db) == 0
    out = capsys.readouterr().out
    assert "asked: 2" in out and first.reference in out and second.reference in out
    assert main(["knowledge", "promote", first.reference, "--topic", "gre"], db) == 0
    assert "covered now" in capsys.readouterr().out
    text = (settings.knowledge_dir / "answers.yml").read_text()
    assert f"source: ticket {first.reference}" in text and f"reviewed: {dt.date.today().isoformat()}" in text
    [gre] = KnowledgeStore(make_engine(db.database_url)).answer_variants("gre")
    assert gre.covered and gre.text == "No: the online programs do not ask for GRE scores."  # live on the next message
    assert main(["knowledge", "promote", "H-NOPE00", "--topic", "gre"], db) == 1


def test_the_report_shows_time_to_first_reply_and_the_open_queue_by_age(queue, settings) -> None:
    from bot.staff.report import queue_html

    answered, waiting = posted_ticket(queue, settings), posted_ticket(queue, settings)
    queue.answer(answered.reference, "Yes.", by=STAFFER, now=NOW + dt.timedelta(hours=5))
    shown = queue_html(queue.list(), NOW + dt.timedelta(days=3))
    assert "median 5.0 h" in shown and "2-7 days: 1" in shown and "under a day: 0" in shown
    assert queue.get(waiting.reference).status == "open"


def test_handoffs_remind_from_the_command_line(queue, settings, slack, capsys) -> None:
    ticket = posted_ticket(queue, settings)  # created at NOW, long before the command runs
    assert main(["handoffs", "remind"], settings) == 0
    assert ticket.reference in capsys.readouterr().out
    assert main(["handoffs", "remind"], settings) == 0
    assert "0 ticket(s)" in capsys.readouterr().out and len(thread_notes(slack, ticket)) == 1
    assert main(["handoffs", "remind"], load_settings({"HANDOFF_DB_URL": settings.handoff_db_url})) == 2
