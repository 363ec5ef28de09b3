"""Handoffs: contact checks, transcripts, ticket storage, staff notification (fake Slack API), the staff queue."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from bot.cli import main
from bot.config import load_settings
from bot.database import make_engine
from bot.handoffs import form_fields, notify, tickets, transcript
from tests.conftest import free_port
from tests.fake_slack import FakeSlackApi

TRANSCRIPT = [{"from": "user", "text": "can I defer my start by a year?"},
              {"from": "bot", "text": "Sorry, I didn't catch that."}]


@pytest.fixture
def settings(tmp_path):
    return load_settings({"HANDOFF_DB_URL": f"sqlite:///{tmp_path}/h.db"})


@pytest.fixture
def queue(settings) -> tickets.HandoffStore:
    return tickets.open_handoffs(settings.handoff_db_url)


def new_ticket(queue, **overrides):
    values = {"channel": "webchat", "sender_id": "abc", "name": "Ada", "email": "ada@example.edu",
              "question": "can I defer my start by a year?", "transcript": TRANSCRIPT, **overrides}
    return queue.create(**values)


@pytest.mark.parametrize(("text", "kind", "value", "problem"), [
    ("ada@example.edu", "email", "ada@example.edu", ""),
    (" ada@example.edu ", "email", "ada@example.edu", ""),
    ("Ada.Lovelace+mls@Example.EDU", "email", "Ada.Lovelace+mls@example.edu", ""),  # the domain is lower-cased
    ("josé@bücher.de", "email", "josé@bücher.de", ""),
    ("ada@example", "email", "", "not_email"),
    ("a b@x.edu", "email", "", "not_email"),
    ("ada..b@example.edu", "email", "", "not_email"),
    ("ada@example.edu.", "email", "", "not_email"),
    ("ada@@example.edu", "email", "", "not_email"),
    ("ada@localhost", "email", "", "not_email"),
    ("ada@site.test", "email", "", "not_email"),  # a reserved name no mail reaches
    ("my email is ada@example.edu", "email", "", "not_email"),
    ("x" * 250 + "@example.edu", "email", "", "too_long"),
    ("301-555-0123", "phone", "+13015550123", ""),
    ("(301) 555-0123", "phone", "+13015550123", ""),
    ("301.555.0123", "phone", "+13015550123", ""),
    ("1 301 555 0123", "phone", "+13015550123", ""),
    ("+1 301 555 0123", "phone", "+13015550123", ""),
    ("+44 20 7946 0958", "phone", "+442079460958", ""),
    ("0044 20 7946 0958", "phone", "+442079460958", ""),  # 00 dials abroad outside North America
    ("011 44 20 7946 0958", "phone", "+442079460958", ""),
    ("(301) 555-0123 ext. 12", "phone", "+13015550123;ext=12", ""),
    ("240-555-0133 x7", "phone", "+12405550133;ext=7", ""),
    ("555-01", "phone", "", "not_phone"),
    ("555-0123", "phone", "", "not_phone"),  # no area code
    ("123-456-7890", "phone", "", "not_phone"),  # no such area code
    ("call me at 301 555 0123 after 5pm", "phone", "", "not_phone"),
    ("1" * 41, "phone", "", "too_long"),
    ("ada", "", "", "not_contact"),
    ("   ", "", "", "empty"),
])
def test_contact_is_an_email_or_phone_or_a_reason(text, kind, value, problem) -> None:
    found, field = form_fields.check_contact(text)
    assert (found, field.value, field.problem) == (kind, value, problem)
    assert problem in ("", *form_fields.PROBLEMS)


@pytest.mark.parametrize(("text", "shown"), [
    ("301-555-0123", "+1 301-555-0123"),
    ("3015550123", "+1 301-555-0123"),
    ("+44 20 7946 0958", "+44 20 7946 0958"),
    ("(301) 555-0123 ext. 12", "+1 301-555-0123 ext. 12"),
    ("ada@example.edu", "ada@example.edu"),
])
def test_contacts_are_shown_readably_and_read_back_the_same(text, shown) -> None:
    _, field = form_fields.check_contact(text)
    assert field.shown == shown
    _, again = form_fields.check_contact(field.shown)  # the form keeps what it showed; the ticket re-checks it
    assert again.value == field.value
    if field.display:
        assert form_fields.readable_phone(field.value) == shown


def test_readable_phone_leaves_what_is_not_a_number() -> None:
    assert form_fields.readable_phone("") == ""
    assert form_fields.readable_phone("(unknown)") == "(unknown)"


def test_over_long_text_is_cut_and_flagged() -> None:
    field = form_fields.check_text("question", "why " * 400)
    assert len(field.value) == form_fields.LIMITS["question"]
    assert field.cut
    assert form_fields.check_text("name", "   ").problem == "empty"


def test_transcript_keeps_user_and_bot_messages_in_order() -> None:
    events = [{"event": "action", "name": "action_listen"},
              {"event": "user", "text": "hi", "timestamp": 1795800000.0},
              {"event": "bot", "text": "Hello!", "timestamp": 1795800001.0},
              {"event": "slot", "name": "program", "value": "MLS"},
              {"event": "user", "text": "", "timestamp": 1795800002.0}]
    turns = transcript.from_events(events)
    assert [(t["from"], t["text"]) for t in turns] == [("user", "hi"), ("bot", "Hello!")]
    assert turns[0]["at"] == "2026-11-27T17:20:00+00:00"
    assert len(transcript.from_events(events * 40, limit=50)) == 50


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
    ticket = new_ticket(queue, urgent=True, phone="+13015550123;ext=12")
    with FakeSlackApi() as api:
        error = notify.notify_staff(ticket, token="xoxb-t", channel="C0STAFF", api_url=api.url)
        calls = api.calls
    assert error is None
    [(method, token, body)] = calls
    assert (method, token, body["channel"]) == ("chat.postMessage", "Bearer xoxb-t", "C0STAFF")
    text = body["text"]
    assert text.startswith(f"URGENT Handoff {ticket.reference}")
    assert "ada@example.edu" in text and "+1 301-555-0123 ext. 12" in text
    assert "can I defer my start" in text and "> bot: Sorry" in text


def test_user_text_reaches_staff_as_plain_quoted_text(queue) -> None:
    ticket = new_ticket(queue, name="<!channel> Mallory",
                        question="see <https://evil.example|UMD login> & <@U123>\nURGENT Handoff H-FAKE01 from slack")
    with FakeSlackApi() as api:
        assert notify.notify_staff(ticket, token="xoxb-t", channel="C0STAFF", api_url=api.url) is None
        [(_, _, body)] = api.calls
    text = body["text"]
    assert "<!channel>" not in text and "<https://" not in text and "<@U123>" not in text
    assert "&lt;!channel&gt; Mallory" in text and "&lt;https://evil.example|UMD login&gt; &amp; &lt;@U123&gt;" in text
    # The forged line stays inside the quote: the only line starting with "URGENT" or "Handoff" is ours.
    assert [line for line in text.splitlines() if line.startswith(("URGENT", "Handoff"))] == \
           [f"Handoff {ticket.reference} from webchat"]
    assert "> URGENT Handoff H-FAKE01 from slack" in text
    assert body["unfurl_links"] is False and body["unfurl_media"] is False


@pytest.mark.parametrize(("answers", "expected", "calls"), [
    pytest.param([], None, 1, id="posted"),
    pytest.param([(200, {"ok": False, "error": "channel_not_found"}, {})],
                 "Slack refused the message: channel_not_found", 1, id="no such channel"),
    pytest.param([(200, {"ok": False, "error": "invalid_auth"}, {})],
                 "Slack refused the message: invalid_auth", 1, id="bad token"),
    pytest.param([(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})], None, 2,
                 id="rate limited once: waited out"),
    pytest.param([(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})] * 2,
                 "Slack refused the message: ratelimited", 2, id="rate limited twice"),
    pytest.param([(500, {"ok": False}, {})], "Slack refused the message: 500", 1, id="server error"),
])
def test_notify_returns_none_or_the_reason(queue, answers, expected, calls) -> None:
    with FakeSlackApi() as api:
        api.answers = list(answers)
        assert notify.notify_staff(new_ticket(queue), token="xoxb-t", channel="C0STAFF", api_url=api.url) == expected
        assert len(api.posts()) == calls


def test_the_slack_client_logs_nothing_of_the_ticket_even_at_debug(queue, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeSlackApi() as api:
        assert notify.notify_staff(new_ticket(queue), token="xoxb-t", channel="C0STAFF", api_url=api.url) is None
    assert "ada@example.edu" not in caplog.text and "defer my start" not in caplog.text and "xoxb-t" not in caplog.text


def test_a_failed_notification_never_loses_the_ticket(queue) -> None:
    ticket = new_ticket(queue)
    error = notify.notify_staff(ticket, token="xoxb-t", channel="C0STAFF",
                                api_url=f"http://127.0.0.1:{free_port()}/api/", timeout=2)
    assert error.startswith("Slack unreachable")
    queue.record_notification(ticket, error)
    stored = queue.get(ticket.reference)
    assert stored.status == "open" and not stored.notified and stored.notify_error == error
    assert notify.notify_staff(ticket, token="", channel="").startswith("staff Slack channel not configured")
    queue.record_notification(ticket, None)
    stored = queue.get(ticket.reference)
    assert stored.notified and stored.notify_error == ""


def test_the_staff_notifier_uses_the_settings(queue) -> None:
    ticket = new_ticket(queue)
    with FakeSlackApi() as api:
        settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-bot", "HANDOFF_SLACK_CHANNEL": "C0STAFF",
                                  "SLACK_API_URL": api.url.rstrip("/")})
        assert notify.staff_notifier(settings)(ticket) is None
        staff = load_settings({"SLACK_BOT_TOKEN": "xoxb-bot", "HANDOFF_SLACK_TOKEN": "xoxb-staff",
                               "HANDOFF_SLACK_CHANNEL": "C0STAFF", "SLACK_API_URL": api.url})
        assert notify.staff_notifier(staff)(ticket) is None
        tokens = [token for _, token, _ in api.calls]
    assert tokens == ["Bearer xoxb-bot", "Bearer xoxb-staff"], "the staff token wins over the bot's"
    assert notify.staff_notifier(load_settings({}))(ticket).startswith("staff Slack channel not configured")


def test_staff_queue_commands(queue, settings, capsys) -> None:
    ticket = new_ticket(queue, phone="+13015550123")
    assert main(["handoffs", "list", "--status", "open"], settings) == 0
    assert ticket.reference in capsys.readouterr().out
    assert main(["handoffs", "list", "--json"], settings) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed == {**ticket.as_dict(), "created_at": listed["created_at"]} and "transcript" not in listed
    assert (listed["email"], listed["phone"], listed["staff_notified"]) == ("ada@example.edu", "+13015550123", False)
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


def test_report_survives_hostile_channel_names(tmp_path) -> None:
    from bot.staff import report

    events = [{"event": "user", "sender_id": "x", "text": "hi", "timestamp": 1795800000.0,
               "parse_data": {"intent": {"name": "greet"}}, "input_channel": channel}
              for channel in ("$\\frac{$", "<script>alert(1)</script>", "$x^2$" * 50)]
    summary = report.summarize(events, dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
    page = report.write(summary, [], tmp_path / "out").read_text()
    assert (tmp_path / "out" / "channels.png").stat().st_size > 1000
    assert "<script>alert" not in page


ESCAPES = "\x1b[2J\x1b[31mURGENT\x1b[0m call me\u202e\u200b\x07"


def test_terminal_escapes_never_reach_staff_terminals(queue, settings, capsys) -> None:
    ticket = new_ticket(queue, name="Ada\x1b]0;pwned\x07", question=ESCAPES,
                        transcript=[{"from": "user", "text": ESCAPES}])
    stored = queue.get(ticket.reference)
    assert (stored.name, stored.question) == ("Ada]0;pwned", "[2J[31mURGENT[0m call me")
    assert stored.turns()[0]["text"] == "[2J[31mURGENT[0m call me"
    with queue.engine.begin() as db:  # a ticket stored before text was cleaned
        db.execute(tickets.Ticket.__table__.update().values(question=ESCAPES))
    assert main(["handoffs", "list"], settings) == 0
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\u202e" not in printed and "\x07" not in printed


def test_the_staff_report_hides_names_as_well_as_contacts(tmp_path) -> None:
    from types import SimpleNamespace

    from bot.staff import report

    events = [{"event": "user", "sender_id": "x", "text": text, "timestamp": 1795800000.0, "input_channel": "webchat",
               "parse_data": {"intent": {"name": "nlu_fallback"}}}
              for text in ("hi my name is Ada Lovelace, can I get a waiver", "Grace here: ada@example.edu")]
    ticket = SimpleNamespace(reference="H-ABC123", urgent=True, status="open", channel="webchat", notified=True,
                             created_at=dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc), name="Grace Hopper",
                             question="I'm Grace Hopper and I feel unsafe, call 301-555-0123", answered_at=None)
    summary = report.summarize(events, dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
    page = report.write(summary, [ticket], tmp_path / "out").read_text()
    for personal in ("Ada", "Lovelace", "Grace", "Hopper", "ada@example.edu", "301-555-0123"):
        assert personal not in page
    assert "I&#x27;m [name] and I feel unsafe, call [phone]" in page
    assert report.redact("hi my name is Ada Lovelace, can I get a waiver") == "hi my name is [name], can I get a waiver"
    assert report.redact("Grace here: ada@example.edu", ["Grace Hopper"]) == "[name] here: [email]"
