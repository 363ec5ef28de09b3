"""Sending reminders with real parts: a local SMTP server (aiosmtpd) receives them, the .ics attached is read
back with ``icalendar``, and two senders running at once over one database send each reminder once."""

from __future__ import annotations

import datetime as dt
import threading

import icalendar
import pytest

from bot.cli import main
from bot.config import PROJECT_ROOT, load_settings
from bot.handoffs.tickets import as_utc
from bot.knowledge.records import InfoSession
from bot.reminders.sending import send_due
from bot.reminders.store import ReminderStore, open_reminders
from tests.conftest import NOW, free_port, fresh_store
from tests.smtp_server import SmtpServer

UTC = dt.timezone.utc


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def knowledge():
    return fresh_store()


@pytest.fixture
def settings(tmp_path, smtp):
    return load_settings({"HANDOFF_DB_URL": f"sqlite:///{tmp_path / 'handoffs.db'}",
                          "KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path / 'knowledge.db'}",
                          "KNOWLEDGE_DIR": str(PROJECT_ROOT / "knowledge"), "SMTP_URL": smtp.url,
                          "EMAIL_FROM": "studentservices@example.edu", "EMAIL_REPLY_TO": "ask@example.edu"})


@pytest.fixture
def reminders(settings) -> ReminderStore:
    return open_reminders(settings.handoff_db_url)


def shady_grove(knowledge) -> InfoSession:
    return next(s for s in knowledge.upcoming_info_sessions(NOW) if s.campus == "Shady Grove")


def remind(reminders: ReminderStore, session: InfoSession, email: str = "ana@example.edu",
           sender: str = "student-1", zone: str = "America/Los_Angeles", send_at: dt.datetime | None = None) -> None:
    reminders.add(sender_id=sender, channel="webchat", email=email, session_uid=session.uid,
                  session_title=session.title, starts_at=session.starts_at,
                  send_at=send_at or session.starts_at - dt.timedelta(days=1), timezone=zone, now=NOW)


def test_the_reminder_arrives_once_with_the_session_s_calendar_file(knowledge, reminders, settings, smtp) -> None:
    session = shady_grove(knowledge)
    remind(reminders, session)
    assert send_due(reminders, knowledge, settings, session.starts_at - dt.timedelta(days=2)) == []
    day_before = session.starts_at - dt.timedelta(hours=20)

    [result] = send_due(reminders, knowledge, settings, day_before)
    assert result.status == "sent"
    [(recipients, message)] = smtp.wait_for(1)
    assert recipients == ["ana@example.edu"]
    assert message["From"] == "studentservices@example.edu" and message["Reply-To"] == "ask@example.edu"
    assert message["Subject"].startswith("Reminder: In-person information session at Shady Grove")
    assert "PDT" in message["Subject"]  # the student's time zone
    body = message.get_body(("plain",)).get_content()
    assert session.registration_url in body and "stop reminders" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == f"info-session-{session.uid}.ics"
    [event] = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert event.decoded("dtstart") == session.starts_at
    assert str(event["uid"]).startswith(f"info-session-{session.uid}@")
    assert str(event["summary"]) == session.title

    [stored] = reminders.of_conversation("student-1")
    assert (stored.status, as_utc(stored.sent_at)) == ("sent", day_before)
    assert send_due(reminders, knowledge, settings, day_before + dt.timedelta(hours=1)) == []
    assert len(smtp.wait_for(2, timeout=1)) == 1


def test_two_senders_at_once_send_each_reminder_once(tmp_path, settings, smtp) -> None:
    knowledge = fresh_store(f"sqlite:///{tmp_path / 'knowledge.db'}")  # a file: the senders' threads share it
    sessions = knowledge.upcoming_info_sessions(NOW)
    for number in range(12):
        remind(open_reminders(settings.handoff_db_url), sessions[number % len(sessions)],
               email=f"student{number}@example.edu", sender=f"student-{number}", send_at=NOW)
    later = NOW + dt.timedelta(hours=1)
    due = open_reminders(settings.handoff_db_url).due(later)
    assert len(due) == 12
    # Each sender has its own engine, as two replicas or two overlapping cron jobs would.
    senders = [open_reminders(settings.handoff_db_url) for _ in range(2)]
    results: list[list] = [[], []]
    start = threading.Barrier(2)

    def sender(index: int) -> None:
        start.wait()
        results[index] = send_due(senders[index], knowledge, settings, later)

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = [r.reminder_id for batch in results for r in batch if r.status == "sent"]
    assert sorted(sent) == sorted(r.id for r in due)  # every one sent by one sender, none by both
    addresses = [recipients[0] for recipients, _ in smtp.wait_for(12)]
    assert sorted(addresses) == sorted(f"student{number}@example.edu" for number in range(12))
    assert {r.status for r in open_reminders(settings.handoff_db_url).all()} == {"sent"}


def test_a_mail_server_down_leaves_the_reminder_to_retry_then_failed(knowledge, reminders, settings) -> None:
    down = load_settings({"HANDOFF_DB_URL": settings.handoff_db_url, "SMTP_URL": f"smtp://127.0.0.1:{free_port()}",
                          "EMAIL_FROM": "studentservices@example.edu"})
    session = shady_grove(knowledge)
    remind(reminders, session)
    day_before = session.starts_at - dt.timedelta(hours=20)
    statuses = [send_due(reminders, knowledge, down, day_before)[0].status for _ in range(3)]
    assert statuses == ["pending", "pending", "failed"]
    [stored] = reminders.of_conversation("student-1")
    assert stored.attempts == 3 and "could not be reached" in stored.error
    assert send_due(reminders, knowledge, down, day_before) == []


def test_a_session_that_started_before_the_run_is_not_announced(knowledge, reminders, settings, smtp) -> None:
    session = shady_grove(knowledge)
    remind(reminders, session)
    [result] = send_due(reminders, knowledge, settings, session.starts_at + dt.timedelta(minutes=5))
    assert result.status == "missed"
    assert smtp.wait_for(1, timeout=1) == []


def test_a_session_taken_off_the_schedule_is_not_announced(knowledge, reminders, settings, smtp) -> None:
    gone = InfoSession(uid="0000000000000000", starts_at=NOW + dt.timedelta(days=3), format="online", campus="",
                       title="Cancelled session", registration_url="https://example.edu")
    remind(reminders, gone)
    [result] = send_due(reminders, knowledge, settings, NOW + dt.timedelta(days=2, hours=12))
    assert (result.status, result.detail) == ("missed", "the session is no longer on the schedule")
    assert smtp.wait_for(1, timeout=1) == []


def test_a_cancelled_reminder_is_never_sent(knowledge, reminders, settings, smtp) -> None:
    session = shady_grove(knowledge)
    remind(reminders, session)
    assert reminders.cancel_all("student-1") == 1
    assert send_due(reminders, knowledge, settings, session.starts_at - dt.timedelta(hours=20)) == []
    assert smtp.wait_for(1, timeout=1) == []


def test_header_injection_through_the_address_is_refused(knowledge, reminders, settings) -> None:
    session = shady_grove(knowledge)
    remind(reminders, session, email="ana@example.edu\r\nBcc: all@example.edu")
    sent: list = []
    [result] = send_due(reminders, knowledge, settings, session.starts_at - dt.timedelta(hours=20),
                        send=lambda s, m: sent.append(m))
    assert result.status == "pending" and "address refused" in result.detail and sent == []


def test_the_command_sends_what_is_due(knowledge, reminders, settings, smtp, capsys) -> None:
    first = knowledge.upcoming_info_sessions(dt.datetime.now(UTC))[0]
    reminders.add(sender_id="student-1", channel="webchat", email="ana@example.edu", session_uid=first.uid,
                  session_title=first.title, starts_at=first.starts_at, send_at=dt.datetime.now(UTC), timezone="",
                  now=dt.datetime.now(UTC))
    assert main(["reminders", "send"], settings) == 0
    assert "Sent 1 reminder(s)" in capsys.readouterr().out
    assert len(smtp.wait_for(1)) == 1
    assert main(["reminders", "send"], settings) == 0  # idempotent: nothing more is due
    assert "Sent 0 reminder(s)" in capsys.readouterr().out
    assert main(["reminders", "list", "--status", "sent"], settings) == 0
    assert "ana@example.edu" in capsys.readouterr().out


def test_without_email_settings_the_command_sends_nothing_and_says_so(knowledge, reminders, settings, capsys) -> None:
    first = knowledge.upcoming_info_sessions(dt.datetime.now(UTC))[0]
    reminders.add(sender_id="student-1", channel="webchat", email="ana@example.edu", session_uid=first.uid,
                  session_title=first.title, starts_at=first.starts_at, send_at=dt.datetime.now(UTC), timezone="",
                  now=dt.datetime.now(UTC))
    off = load_settings({"HANDOFF_DB_URL": settings.handoff_db_url})
    assert main(["reminders", "send"], off) == 2
    assert "Email is not configured" in capsys.readouterr().err
    assert [r.status for r in reminders.all()] == ["pending"]



def test_from_the_chat_to_the_inbox(knowledge, settings, smtp) -> None:
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.reminders import ActionRemindMe
    from bot.handoffs.tickets import open_handoffs

    listed = [s.uid for s in knowledge.upcoming_info_sessions(NOW)]
    message = {"text": "remind me about the last one, ana@example.edu", "intent": {"name": "remind_me"},
               "entities": []}
    tracker = Tracker.from_dict({"sender_id": "webchat:ana", "slots": {"listed_sessions": listed,
                                                                     "timezone": "America/Chicago"},
                                 "latest_message": message, "events": [], "paused": False,
                                 "latest_input_channel": "webchat", "active_loop": {},
                                 "latest_action_name": "action_listen"})
    reminders = open_reminders(settings.handoff_db_url)
    action = ActionRemindMe(knowledge, clock=lambda: NOW, settings=settings, reminders=reminders,
                            handoffs=open_handoffs(settings.handoff_db_url))
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["response"] == "utter_reminder_set"
    assert dispatcher.messages[0]["remind_day"] == "Fri, Apr 16"

    [stored] = reminders.of_conversation("webchat:ana")
    assert send_due(reminders, knowledge, settings, as_utc(stored.send_at) - dt.timedelta(minutes=1)) == []
    assert [r.status for r in send_due(reminders, knowledge, settings, as_utc(stored.send_at))] == ["sent"]
    [(recipients, received)] = smtp.wait_for(1)
    assert recipients == ["ana@example.edu"] and "CDT" in received["Subject"]
    assert received.get_body(("plain",)).get_content().count("Shady Grove") >= 1
