"""The reminder actions, hermetic: which session is meant, where the email goes, what is stored, cancelling.

Sessions are the repository's sample schedule (knowledge/info_sessions.csv); on NOW (Nov 27, 2026) the
list shows, in order: Dec 3 online, Jan 20 online, Feb 10 online, Mar 6 College Park, Apr 17 Shady Grove.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.reminders import ActionRemindMe, ActionStopReminders
from actions.sessions import ActionInfoSessions
from bot.config import PROJECT_ROOT, load_settings
from bot.database import make_engine
from bot.handoffs.tickets import HandoffStore, as_utc
from bot.reminders.store import ReminderStore
from tests.conftest import NOW, entity, fresh_store

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def knowledge():
    return fresh_store()


@pytest.fixture(scope="module")
def listed(knowledge) -> list[str]:
    return [s.uid for s in knowledge.upcoming_info_sessions(NOW)]


@pytest.fixture
def engine(tmp_path):
    return make_engine(f"sqlite:///{tmp_path / 'handoffs.db'}")


@pytest.fixture
def reminders(engine) -> ReminderStore:
    return ReminderStore(engine)


@pytest.fixture
def handoffs(engine) -> HandoffStore:
    return HandoffStore(engine)


def action(cls, knowledge, reminders, handoffs, now=NOW):
    return cls(knowledge, clock=lambda: now, settings=load_settings({}), reminders=reminders, handoffs=handoffs)


def say(text: str, intent: str = "remind_me", *, slots: dict | None = None, entities: list | None = None) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.98}, "entities": entities or []}
    return Tracker.from_dict({
        "sender_id": "student-1", "slots": slots or {}, "latest_message": message, "paused": False,
        "events": [{"event": "user", "text": text, "parse_data": message, "input_channel": "webchat"}],
        "latest_input_channel": "webchat", "active_loop": {}, "latest_action_name": "action_listen"})


def run(act, t: Tracker) -> tuple[list[dict], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(act.run(dispatcher, t, DOMAIN))
    return events, dispatcher


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize(("text", "entities", "title"), [
    ("remind me about the Shady Grove one, ana@example.edu", [entity("campus", "Shady Grove")], "Shady Grove"),
    ("remind me of the first one please ana@example.edu", [], "Online MLS and MIM"),
    ("the second one, email ana@example.edu", [], "Online MLS information session"),
    ("send a reminder for the last one to ana@example.edu", [], "Shady Grove"),
    ("remind me about the March 6 one at ana@example.edu", [], "College Park"),
    ("the one on 10th of february please, ana@example.edu", [], "Online MIM"),
    ("remind ana@example.edu of the in-person one at college park",
     [entity("campus", "college park"), entity("delivery_mode", "in person")], "College Park"),
])
def test_a_named_session_gets_a_stored_reminder(text, entities, title, knowledge, listed, reminders, handoffs) -> None:
    events, dispatcher = run(action(ActionRemindMe, knowledge, reminders, handoffs),
                             say(text, slots={"listed_sessions": listed}, entities=entities))
    [stored] = reminders.of_conversation("student-1")
    assert title in stored.session_title
    assert (stored.email, stored.status, stored.channel) == ("ana@example.edu", "pending", "webchat")
    assert responses(dispatcher) == ["utter_reminder_set"]
    assert dispatcher.messages[0]["email"] == "ana@example.edu"
    assert SlotSet("reminder_pending", False) in events and SlotSet("reminder_email", "ana@example.edu") in events


@pytest.mark.parametrize(("zone", "sent_at_utc"), [
    (None, dt.datetime(2027, 4, 16, 13, 0, tzinfo=UTC)),  # 9:00 EDT, campus time
    ("America/Los_Angeles", dt.datetime(2027, 4, 16, 16, 0, tzinfo=UTC)),  # 9:00 PDT, the student's time
    ("Asia/Tokyo", dt.datetime(2027, 4, 16, 0, 0, tzinfo=UTC)),  # 9:00 JST on Apr 16: it is at 23:00 there
])
def test_the_reminder_is_sent_the_morning_before_in_the_student_s_time_zone(zone, sent_at_utc, knowledge, listed,
                                                                            reminders, handoffs) -> None:
    t = say("remind me about the shady grove one: ana@example.edu", entities=[entity("campus", "Shady Grove")],
            slots={"listed_sessions": listed, "timezone": zone})
    run(action(ActionRemindMe, knowledge, reminders, handoffs), t)
    [stored] = reminders.of_conversation("student-1")
    assert as_utc(stored.send_at) == sent_at_utc
    assert stored.timezone == (zone or "America/New_York")


def test_a_session_tomorrow_is_reminded_at_the_next_run(knowledge, listed, reminders, handoffs) -> None:
    evening_before = dt.datetime(2026, 12, 2, 23, 0, tzinfo=UTC)  # the Dec 3 session starts 24 hours later
    run(action(ActionRemindMe, knowledge, reminders, handoffs, now=evening_before),
        say("the first one, ana@example.edu", slots={"listed_sessions": listed}))
    [stored] = reminders.of_conversation("student-1")
    assert as_utc(stored.send_at) == evening_before


def test_an_ambiguous_choice_is_asked_back_and_the_answer_picks_from_the_shorter_list(knowledge, listed, reminders,
                                                                                      handoffs) -> None:
    act = action(ActionRemindMe, knowledge, reminders, handoffs)
    events, dispatcher = run(act, say("remind me about the online one, ana@example.edu",
                                      slots={"listed_sessions": listed},
                                      entities=[entity("delivery_mode", "online")]))
    assert responses(dispatcher) == ["utter_reminder_which"]
    assert dispatcher.messages[0]["items"].count("\n") == 2  # three online sessions, numbered
    assert reminders.of_conversation("student-1") == []
    narrowed = next(e["value"] for e in events if e.get("name") == "listed_sessions")
    assert narrowed == listed[:3]

    run(act, say("the third one", slots={"listed_sessions": narrowed, "reminder_email": "ana@example.edu"}))
    [stored] = reminders.of_conversation("student-1")
    assert "Online MIM" in stored.session_title


def test_without_an_address_it_asks_and_the_address_typed_next_completes_it(knowledge, listed, reminders,
                                                                            handoffs) -> None:
    act = action(ActionRemindMe, knowledge, reminders, handoffs)
    events, dispatcher = run(act, say("remind me about the college park one", slots={"listed_sessions": listed},
                                      entities=[entity("campus", "College Park")]))
    assert responses(dispatcher) == ["utter_reminder_ask_email"]
    assert reminders.of_conversation("student-1") == []
    waiting = next(e["value"] for e in events if e.get("name") == "reminder_session")
    assert SlotSet("reminder_pending", True) in events

    run(act, say("ana@example.edu", "give_contact",
                 slots={"listed_sessions": listed, "reminder_session": waiting, "reminder_pending": True}))
    [stored] = reminders.of_conversation("student-1")
    assert ("College Park" in stored.session_title, stored.email) == (True, "ana@example.edu")


def test_the_address_given_in_the_handoff_form_is_used(knowledge, listed, reminders, handoffs) -> None:
    handoffs.create(channel="webchat", sender_id="student-1", name="Ana", email="ana@example.edu",
                    question="Can I defer?", transcript=[], now=NOW)
    _, dispatcher = run(action(ActionRemindMe, knowledge, reminders, handoffs),
                        say("remind me of the first one", slots={"listed_sessions": listed}))
    assert responses(dispatcher) == ["utter_reminder_set"]
    assert [r.email for r in reminders.of_conversation("student-1")] == ["ana@example.edu"]


def test_another_conversation_s_ticket_address_is_never_used(knowledge, listed, reminders, handoffs) -> None:
    handoffs.create(channel="webchat", sender_id="someone-else", name="Bo", email="bo@example.edu",
                    question="?", transcript=[], now=NOW)
    _, dispatcher = run(action(ActionRemindMe, knowledge, reminders, handoffs),
                        say("remind me of the first one", slots={"listed_sessions": listed}))
    assert responses(dispatcher) == ["utter_reminder_ask_email"]
    assert reminders.of_conversation("student-1") == []


@pytest.mark.parametrize("typed", ["ana@example", "ana@@example.edu", "@example.edu", "ana@exa mple.edu"])
def test_a_malformed_address_is_refused_and_nothing_is_stored(typed, knowledge, listed, reminders, handoffs) -> None:
    events, dispatcher = run(action(ActionRemindMe, knowledge, reminders, handoffs),
                             say(f"remind me of the first one at {typed}", slots={"listed_sessions": listed}))
    assert responses(dispatcher) == ["utter_reminder_bad_email"]
    assert dispatcher.messages[0]["value"] and "@" in dispatcher.messages[0]["value"]
    assert SlotSet("reminder_pending", True) in events
    assert reminders.of_conversation("student-1") == []


def test_an_at_sign_that_is_no_address_is_not_taken_for_one(knowledge, listed, reminders, handoffs) -> None:
    _, dispatcher = run(action(ActionRemindMe, knowledge, reminders, handoffs),
                        say("remind me about the one @ college park", slots={"listed_sessions": listed},
                            entities=[entity("campus", "college park")]))
    assert responses(dispatcher) == ["utter_reminder_ask_email"]
    assert reminders.of_conversation("student-1") == []


def test_before_any_list_it_says_to_ask_for_the_sessions_first(knowledge, reminders, handoffs) -> None:
    _, dispatcher = run(action(ActionRemindMe, knowledge, reminders, handoffs),
                        say("remind me about the Shady Grove one, ana@example.edu",
                            entities=[entity("campus", "Shady Grove")]))
    assert responses(dispatcher) == ["utter_reminder_no_list"]
    assert reminders.of_conversation("student-1") == []


def test_a_session_that_already_took_place_is_refused(knowledge, listed, reminders, handoffs) -> None:
    after_the_first = dt.datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    _, dispatcher = run(action(ActionRemindMe, knowledge, reminders, handoffs, now=after_the_first),
                        say("remind me about the first one, ana@example.edu", slots={"listed_sessions": listed}))
    assert responses(dispatcher) == ["utter_reminder_session_passed"]
    assert "Dec 3" in dispatcher.messages[0]["when"]
    assert reminders.of_conversation("student-1") == []


def test_a_session_not_in_the_list_is_said_so(knowledge, listed, reminders, handoffs) -> None:
    _, dispatcher = run(action(ActionRemindMe, knowledge, reminders, handoffs),
                        say("remind me about the one on August 2, ana@example.edu", slots={"listed_sessions": listed}))
    assert responses(dispatcher) == ["utter_reminder_no_match"]
    assert reminders.of_conversation("student-1") == []


def test_asking_twice_for_one_session_keeps_one_reminder_with_the_new_address(knowledge, listed, reminders,
                                                                            handoffs) -> None:
    act = action(ActionRemindMe, knowledge, reminders, handoffs)
    run(act, say("the first one, ana@example.edu", slots={"listed_sessions": listed}))
    run(act, say("the first one, ana.lopez@example.edu", slots={"listed_sessions": listed}))
    assert [r.email for r in reminders.of_conversation("student-1")] == ["ana.lopez@example.edu"]


def test_stop_reminders_cancels_this_conversation_s_reminders_only(knowledge, listed, reminders, handoffs) -> None:
    act = action(ActionRemindMe, knowledge, reminders, handoffs)
    for text in ("the first one, ana@example.edu", "the last one, ana@example.edu"):
        run(act, say(text, slots={"listed_sessions": listed}))
    reminders.add(sender_id="someone-else", channel="webchat", email="bo@example.edu", session_uid=listed[0],
                  session_title="x", starts_at=NOW + dt.timedelta(days=6), send_at=NOW + dt.timedelta(days=5),
                  timezone="America/New_York", now=NOW)
    stop = action(ActionStopReminders, knowledge, reminders, handoffs)

    _, dispatcher = run(stop, say("stop reminders", "stop_reminders"))
    assert responses(dispatcher) == ["utter_reminders_cancelled"] and dispatcher.messages[0]["count"] == 2
    assert {r.status for r in reminders.of_conversation("student-1")} == {"cancelled"}
    assert [r.sender_id for r in reminders.due(NOW + dt.timedelta(days=400))] == ["someone-else"]

    _, dispatcher = run(stop, say("no more emails please", "stop_reminders"))
    assert responses(dispatcher) == ["utter_no_reminders"]


def test_the_sessions_list_remembers_what_it_showed_in_order(knowledge, listed) -> None:
    dispatcher = CollectingDispatcher()
    t = say("when are the info sessions", "ask_info_sessions")
    events = asyncio.run(ActionInfoSessions(knowledge, clock=lambda: NOW, settings=load_settings({}))
                         .run(dispatcher, t, DOMAIN))
    assert SlotSet("listed_sessions", listed) in events
    t = say("any at shady grove?", "ask_info_sessions", entities=[entity("campus", "Shady Grove")])
    events = asyncio.run(ActionInfoSessions(knowledge, clock=lambda: NOW, settings=load_settings({}))
                         .run(dispatcher, t, DOMAIN))
    shady = [s.uid for s in knowledge.upcoming_info_sessions(NOW, campus="Shady Grove")]
    assert len(shady) == 2 and SlotSet("listed_sessions", shady) in events


def test_a_second_list_at_the_same_campus_remembers_the_campus_it_showed(knowledge) -> None:
    # The answer returns only the slots it changes: asked again at the same campus, campus and topic are
    # already set, yet the list kept for "remind me about the first one" is the Shady Grove one shown.
    act = ActionInfoSessions(knowledge, clock=lambda: NOW, settings=load_settings({}))
    text, campus = "any at shady grove?", [entity("campus", "Shady Grove")]
    first = asyncio.run(act.run(CollectingDispatcher(), say(text, "ask_info_sessions", entities=campus), DOMAIN))
    slots = {e["name"]: e["value"] for e in first if e.get("event") == "slot"}
    again = asyncio.run(act.run(CollectingDispatcher(), say(text, "ask_info_sessions", entities=campus,
                                                            slots={**slots, "listed_sessions": ["stale"]}), DOMAIN))
    shady = [s.uid for s in knowledge.upcoming_info_sessions(NOW, campus="Shady Grove")]
    assert "campus" not in [e.get("name") for e in again]
    assert SlotSet("listed_sessions", shady) in again
