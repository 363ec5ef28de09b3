"""Handoff tickets: storage, staff notification (fake Slack API), the staff queue commands."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.handoffs import tickets
from bot.knowledge.store import make_engine
from tests.conftest import free_port
from tests.fake_slack import FakeSlackApi

TRANSCRIPT = [{"from": "user", "text": "can I defer my start by a year?"},
              {"from": "bot", "text": "Sorry, I didn't catch that."}]


@pytest.fixture
def queue(tmp_path, monkeypatch) -> tickets.HandoffStore:
    monkeypatch.setenv("HANDOFF_DB_URL", f"sqlite:///{tmp_path}/h.db")
    return tickets.open_handoffs()


def new_ticket(queue, **overrides):
    values = {"channel": "webchat", "sender_id": "abc", "name": "Ada", "email": "ada@example.edu",
              "question": "can I defer my start by a year?", "transcript": TRANSCRIPT, **overrides}
    return queue.create(**values)


@pytest.mark.parametrize(("text", "kind", "value", "problem"), [
    ("ada@example.edu", "email", "ada@example.edu", ""),
    (" ada@example.edu ", "email", "ada@example.edu", ""),
    ("ada@example", "email", "", "not_email"),
    ("a b@x.edu", "email", "", "not_email"),
    ("x" * 250 + "@example.edu", "email", "", "too_long"),
    ("301-555-0123", "phone", "301-555-0123", ""),
    ("+44 20 7946 0958", "phone", "+44 20 7946 0958", ""),
    ("(301) 555-0123 ext. 12", "phone", "(301) 555-0123 ext. 12", ""),
    ("555-01", "phone", "", "not_phone"),
    ("call me at 301 555 0123 after 5pm", "phone", "", "not_phone"),
    ("1" * 41, "phone", "", "too_long"),
    ("ada", "", "", "not_contact"),
    ("   ", "", "", "empty"),
])
def test_contact_is_an_email_or_phone_or_a_reason(text, kind, value, problem) -> None:
    found, field = tickets.check_contact(text)
    assert (found, field.value, field.problem) == (kind, value, problem)
    assert problem in ("", *tickets.PROBLEMS)


def test_over_long_text_is_cut_and_flagged() -> None:
    field = tickets.check_text("question", "why " * 400)
    assert len(field.value) == tickets.LIMITS["question"]
    assert field.cut
    assert tickets.check_text("name", "   ").problem == "empty"


def test_transcript_keeps_user_and_bot_messages_in_order() -> None:
    events = [{"event": "action", "name": "action_listen"},
              {"event": "user", "text": "hi", "timestamp": 1795800000.0},
              {"event": "bot", "text": "Hello!", "timestamp": 1795800001.0},
              {"event": "slot", "name": "program", "value": "MLS"},
              {"event": "user", "text": "", "timestamp": 1795800002.0}]
    turns = tickets.transcript(events)
    assert [(t["from"], t["text"]) for t in turns] == [("user", "hi"), ("bot", "Hello!")]
    assert turns[0]["at"] == "2026-11-27T17:20:00+00:00"
    assert len(tickets.transcript(events * 40, limit=50)) == 50


def test_tickets_are_stored_with_transcript_and_unguessable_reference(queue) -> None:
    first, second = new_ticket(queue), new_ticket(queue, urgent=True, question="urgent help")
    assert first.reference != second.reference
    assert first.reference.startswith("H-") and len(first.reference) == 8
    assert [t.reference for t in queue.list("open")] == [second.reference, first.reference], "urgent first"
    stored = queue.get(first.reference.lower())
    assert json.loads(stored.transcript) == TRANSCRIPT
    assert queue.get(str(first.id)).reference == first.reference


def test_close_keeps_the_answer_as_a_draft(queue) -> None:
    ticket = new_ticket(queue)
    assert queue.close(ticket.reference, "Yes, ask Student Services to defer.").status == "closed"
    assert queue.list("open") == []
    closed = queue.get(ticket.reference).closed_at.date().isoformat()
    assert queue.drafts()[0] == {"question": ticket.question, "answer": "Yes, ask Student Services to defer.",
                                 "reference": ticket.reference, "closed": closed}
    assert queue.close("H-NOPE00", "x") is None


def test_staff_are_told_on_slack_with_question_contact_and_transcript(queue) -> None:
    ticket = new_ticket(queue, urgent=True)
    with FakeSlackApi() as api:
        error = tickets.notify_staff(ticket, token="xoxb-t", channel="C0STAFF", api_url=api.url)
        posts = api.posts()
    assert error == ""
    assert len(posts) == 1 and posts[0]["channel"] == "C0STAFF"
    text = posts[0]["text"]
    assert text.startswith(f"URGENT Handoff {ticket.reference}")
    assert "ada@example.edu" in text and "can I defer my start" in text and "> bot: Sorry" in text


def test_a_failed_notification_never_loses_the_ticket(queue) -> None:
    ticket = new_ticket(queue)
    error = tickets.notify_staff(ticket, token="xoxb-t", channel="C0STAFF",
                                  api_url=f"http://127.0.0.1:{free_port()}/api/", timeout=2)
    assert error.startswith("Slack unreachable")
    queue.record_notification(ticket, error)
    stored = queue.get(ticket.reference)
    assert stored.status == "open" and not stored.notified and stored.notify_error == error
    assert tickets.notify_staff(ticket, token="", channel="").startswith("staff Slack channel not configured")


def test_staff_queue_commands(queue, capsys) -> None:
    settings = load_settings({})
    ticket = new_ticket(queue)
    assert main(["handoffs", "list", "--status", "open"], settings) == 0
    assert ticket.reference in capsys.readouterr().out
    assert main(["handoffs", "list", "--json"], settings) == 0
    assert json.loads(capsys.readouterr().out)[0]["email"] == "ada@example.edu"
    assert main(["handoffs", "show", ticket.reference], settings) == 0
    assert json.loads(capsys.readouterr().out)["transcript"] == TRANSCRIPT
    assert main(["handoffs", "close", ticket.reference, "--answer", "Deferral is possible."], settings) == 0
    assert main(["handoffs", "drafts"], settings) == 0
    assert "Deferral is possible." in capsys.readouterr().out
    assert main(["handoffs", "show", "H-NOPE00"], settings) == 1
    assert main(["handoffs", "close", "H-NOPE00", "--answer", "x"], settings) == 1


def test_handoff_tables_are_separate_from_the_knowledge(tmp_path) -> None:
    from bot.knowledge.store import KnowledgeStore

    engine = make_engine(f"sqlite:///{tmp_path}/same.db")
    queue = tickets.HandoffStore(engine)
    new_ticket(queue)
    KnowledgeStore(engine).reset_schema()  # `knowledge init --reset` on a shared database
    assert len(queue.list()) == 1


def test_report_counts_misses_not_form_answers_nor_follow_ups_resolved_from_context() -> None:
    from bot.staff import report

    def user(sender, text, intent, at):
        return {"event": "user", "sender_id": sender, "text": text, "timestamp": at,
                "parse_data": {"intent": {"name": intent}}, "input_channel": "webchat"}

    def action(sender, name, at):
        return {"event": "action", "sender_id": sender, "name": name, "timestamp": at}

    def slot(sender, value, at):
        return {"event": "slot", "sender_id": sender, "name": "last_misunderstanding", "value": value, "timestamp": at}

    events = [  # two conversations, interleaved as the tracker store keeps them
        user("a", "blorp", "out_of_scope", 1), user("b", "Ada Lovelace", "out_of_scope", 2),
        action("a", "action_handle_misunderstanding", 3), action("b", "handoff_form", 4), slot("a", "out_of_scope", 5),
        user("a", "what about the MIM?", "nlu_fallback", 6), action("a", "action_handle_misunderstanding", 7),
        slot("a", None, 8),
    ]
    since = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    summary = report.summarize(events, since)
    assert summary.user_messages == 3 and summary.fallbacks == 1 and summary.unanswered == ["blorp"]
    assert summary.topics["(handoff form)"] == 1
