"""Both servers started on loopback, conversations over REST as the web page or a client would have them."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from bot import servers
from tests.conftest import PROJECT_ROOT, free_port, require_model

pytestmark = [pytest.mark.model, pytest.mark.servers]


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'knowledge.db'}"


@pytest.fixture(scope="module")
def tracker_db(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tracker") / "tracker.db"


@pytest.fixture(scope="module")
def running(tmp_path_factory, database, tracker_db):
    model = require_model()
    port = free_port()
    with servers.running(model, rasa_port=port, action_port=free_port(), tracker_db=tracker_db,
                         log_dir=tmp_path_factory.mktemp("logs"),
                         env={"KNOWLEDGE_DB_URL": database, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                              "WEBCHAT_ALLOWED_ORIGINS": "https://ischool.example.edu",
                              "SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""}) as started:
        yield started


def ask(running, sender: str, message: str) -> str:
    return "\n".join(m.get("text", "") for m in running.say(sender, message))


def test_program_aware_conversation(running) -> None:
    sender = uuid.uuid4().hex
    assert "Which program" in ask(running, sender, "how long is it?")
    assert "24-month" in ask(running, sender, "what about the MIM?")
    assert "two calendar years" in ask(running, sender, "and the MLS?")


def test_buttons_reach_the_follow_up(running) -> None:
    sender = uuid.uuid4().hex
    reply = running.say(sender, "is it accredited?")
    payloads = [b["payload"] for m in reply for b in m.get("buttons", [])]
    assert payloads and "MLS" in payloads[0]
    assert "American Library Association" in ask(running, sender, payloads[0])


CHECKS = yaml.safe_load((PROJECT_ROOT / "tests" / "answer_checks.yml").read_text())["checks"]


@pytest.mark.parametrize("check", CHECKS, ids=[c["ask"][:40] for c in CHECKS])
def test_answers_over_rest(running, check) -> None:
    reply = ask(running, uuid.uuid4().hex, check["ask"]).lower()
    assert [p for p in check["expect"] if p.lower() not in reply] == [], reply


def test_empty_and_huge_messages_get_a_polite_answer(running) -> None:
    assert ask(running, uuid.uuid4().hex, "   ")
    assert ask(running, uuid.uuid4().hex, "tuition " * 2000)


def test_webchat_endpoint_validates_input_and_limits_cors(running) -> None:
    import requests

    url = running.rest_url.replace("/rest/", "/webchat/")
    ok = requests.post(url, json={"sender": uuid.uuid4().hex, "message": "how many credits?"},
                       headers={"Origin": "https://ischool.example.edu"}, timeout=30)
    assert ok.status_code == 200 and "36 credit" in ok.json()[0]["text"]
    assert ok.headers["access-control-allow-origin"] == "https://ischool.example.edu"
    foreign = requests.post(url, json={"sender": uuid.uuid4().hex, "message": "hi"},
                            headers={"Origin": "https://elsewhere.example.com"}, timeout=30)
    assert foreign.status_code == 403 and "access-control-allow-origin" not in foreign.headers
    for body, reason in [("not json", "send JSON"), ({"sender": "short", "message": "hi"}, "sender"),
                         ({"sender": uuid.uuid4().hex, "message": "  "}, "non-empty"),
                         ({"sender": uuid.uuid4().hex, "message": "x" * 2001}, "longer than 2000")]:
        bad = requests.post(url, timeout=30, **({"data": body} if isinstance(body, str) else {"json": body}))
        assert bad.status_code == 400 and reason in bad.json()["error"]


def test_slack_endpoint_without_configuration_answers_503(running) -> None:
    import requests

    answer = requests.post(running.rest_url.replace("/rest/", "/slack/"), json={"type": "url_verification"},
                           timeout=10)
    assert answer.status_code == 503


def test_calendar_links_in_answers_serve_valid_calendars(running) -> None:
    import re

    import icalendar
    import requests

    reply = ask(running, uuid.uuid4().hex, "when is the next info session at college park?")
    links = re.findall(r"(http://\S+\.ics)", reply)
    assert links, reply
    served = requests.get(links[0], timeout=10)
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/calendar")
    event = next(c for c in icalendar.Calendar.from_ical(served.content).walk() if c.name == "VEVENT")
    assert "College Park" in str(event["location"])
    missing = requests.get(links[0].rsplit("/", 1)[0] + "/nosuchsession.ics", timeout=10)
    assert missing.status_code == 404


def test_user_time_zone_is_shown_beside_campus_time(running) -> None:
    reply = ask(running, uuid.uuid4().hex, "I'm in California, when are the online info sessions?")
    assert "EST" in reply and "PST your time" in reply


def test_staff_import_is_answered_on_the_next_message_without_restart(running, database, tmp_path) -> None:
    import subprocess
    import sys

    sessions = tmp_path / "info_sessions.csv"
    sessions.write_text("starts_at,format,campus,title,registration_url\n"
                        "2030-05-01T18:00:00-04:00,online,,Spring webinar for future students,https://example.edu/s\n")
    env = servers.child_env({"KNOWLEDGE_DB_URL": database})
    done = subprocess.run([sys.executable, "-m", "bot", "knowledge", "import", str(sessions)], env=env,
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    reply = ask(running, uuid.uuid4().hex, "are there any online information sessions coming up?")
    assert "Spring webinar for future students" in reply
    assert "sample" not in reply
    bad = tmp_path / "bad" / "info_sessions.csv"
    bad.parent.mkdir()
    bad.write_text("starts_at,format,campus,title,registration_url\n2030-06-01,online,,X,https://example.edu/x\n")
    refused = subprocess.run([sys.executable, "-m", "bot", "knowledge", "import", str(bad)], env=env,
                             cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "starts_at" in refused.stderr
    assert "Spring webinar for future students" in ask(running, uuid.uuid4().hex, "any info sessions?")


def test_staff_report_from_the_conversations_above(running, tracker_db, tmp_path, monkeypatch) -> None:
    """Runs last in this module: the tracker store holds every conversation the tests above had."""
    from bot.cli import main
    from bot.config import load_settings

    ask(running, uuid.uuid4().hex, "my email is ada@example.edu and my phone 301 555 0199, can you bake a cake?")
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path}/h.db")
    out = tmp_path / "report"
    assert main(["report", "--since", "1d", "--out", str(out), "--tracker-db", f"sqlite:///{tracker_db}"],
                load_settings({})) == 0
    page = (out / "report.html").read_text()
    for plot in ("conversations_per_day.png", "top_topics.png", "channels.png"):
        assert (out / plot).stat().st_size > 1000 and plot in page
    assert "Fallback rate" in page and "rest" in page
    assert "ada@example.edu" not in page and "555 0199" not in page and "[email]" in page


def test_report_over_an_empty_store_says_so(tmp_path, monkeypatch, capsys) -> None:
    from bot.cli import main
    from bot.config import load_settings

    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path}/h.db")
    assert main(["report", "--out", str(tmp_path / "r"), "--tracker-db", f"sqlite:///{tmp_path}/none.db"],
                load_settings({})) == 0
    assert "No conversations" in capsys.readouterr().out
    assert "No conversations in this period" in (tmp_path / "r" / "report.html").read_text()
