"""Every custom action, hermetic: an in-memory store, a fixed clock, a tracker built inline."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import replace
from unittest.mock import patch

import pytest
import sqlalchemy as sa
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import base
from actions.contacts import ActionContact
from actions.faq import ActionAnswerFaq, ActionAnswerPushback
from actions.programs import ActionSpecializations
from actions.schedule import ActionClassSchedule
from actions.sessions import ActionInfoSessions
from bot import database
from bot.conversation import advising, parse
from tests.conftest import NOW, entity, tracker


def run(action, dispatcher, t):
    return asyncio.run(action.run(dispatcher, t, {}))


def slots_after(t, events) -> dict:
    """The conversation's slots once ``events`` are applied (an action returns only the slots it changes)."""
    return {**t.slots, **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}


def texts(dispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


@pytest.mark.parametrize(("topic", "phrase"), [
    ("credits", "36 credit hours"),
    ("orientation_visit", "no exceptions"),
    ("field_study", "LBSC 707"),
    ("learning_platform", "Canvas"),
])
def test_faq_answers_from_the_store(store, dispatcher, topic, phrase) -> None:
    events = run(ActionAnswerFaq(store), dispatcher, tracker("q", "faq", topic=topic))
    if phrase:
        assert phrase in texts(dispatcher)
    else:
        assert dispatcher.messages[0]["response"] == "utter_ask_which_program"
    assert SlotSet("last_topic", topic) in events


@pytest.mark.parametrize(("topic", "mls", "mim"), [
    ("duration", "two calendar years", "24-month"),
    ("admissions", "MLS Admissions page", "MIM Admissions page"),
])
def test_program_unknown_and_answers_short_gives_both(store, dispatcher, topic, mls, mim) -> None:
    t = tracker("q", "faq", topic=topic, slots={"pending_topic": "program_overview"})
    events = run(ActionAnswerFaq(store), dispatcher, t)
    message = dispatcher.messages[0]
    assert message["response"] == "utter_answer_both"
    assert mls in message["mls"] and mim in message["mim"]
    assert slots_after(t, events)["pending_topic"] is None


def test_program_unknown_and_answers_long_gives_short_versions_then_asks(store, dispatcher) -> None:
    events = run(ActionAnswerFaq(store), dispatcher, tracker("tell me about the program", "faq",
                                                             topic="program_overview"))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_answer_both_short"
    assert message["mls"].endswith(".") and "\n" not in message["mls"] and message["mim"].endswith(".")
    assert SlotSet("pending_topic", "program_overview") in events


def test_a_program_typed_after_the_question_back_completes_it(store, dispatcher) -> None:
    t = tracker("the library one", "follow_up", entities=[entity("program", "library science")],
                slots={"pending_topic": "program_overview", "last_topic": "program_overview"})
    events = run(ActionAnswerFaq(store), dispatcher, t)
    assert "Master of Library Science (MLS) educates" in texts(dispatcher)
    assert slots_after(t, events)["pending_topic"] is None


def test_a_program_after_the_comparison_tells_more_about_that_program(store, dispatcher) -> None:
    t = tracker("MIM", "follow_up", entities=[entity("program", "MIM")], slots={"last_topic": "compare_programs"})
    events = run(ActionAnswerFaq(store), dispatcher, t)
    assert "side by side" not in texts(dispatcher)
    assert SlotSet("last_topic", "program_overview") in events and SlotSet("program", "MIM") in events


@pytest.mark.parametrize(("last_topic", "program", "expected"), [
    ("specializations", "MLS", "Data Analytics"),
    ("field_study", "MLS", None),
    ("duration", "MIM", "two calendar years"),
])
def test_and_the_other_one_keeps_the_topic_and_switches_program(store, dispatcher, last_topic, program,
                                                                expected) -> None:
    t = tracker("and the other one?", "follow_up", slots={"last_topic": last_topic, "program": program})
    events = run(ActionAnswerFaq(store), dispatcher, t)
    other = "MIM" if program == "MLS" else "MLS"
    assert SlotSet("program", other) in events
    if last_topic == "specializations":
        assert expected in dispatcher.messages[0]["items"]
    elif expected:
        assert expected in texts(dispatcher)
    else:  # the field study is the MLS's; the page describes none for the MIM, and the reply says so
        message = dispatcher.messages[0]
        assert message["response"] == "utter_not_for_program"
        assert (message["program"], message["other"], message["contact_phone"]) == ("MIM", "MLS", "301-405-2038")


@pytest.mark.parametrize("topic", ["field_study", "field_study_hours", "field_study_sites"])
def test_a_topic_described_for_one_program_is_answered_without_asking_which(store, dispatcher, topic) -> None:
    t = tracker("q", "faq", topic=topic, slots={"pending_topic": "program_overview"})
    events = run(ActionAnswerFaq(store), dispatcher, t)
    assert "response" not in dispatcher.messages[0] or dispatcher.messages[0]["response"] is None
    assert dispatcher.messages[0]["text"]
    assert slots_after(t, events)["pending_topic"] is None


def test_schedule_follow_up_keeps_the_term_for_the_other_program(store, dispatcher) -> None:
    t = tracker("same for the MIM?", "follow_up", entities=[entity("program", "MIM")],
                slots={"last_topic": "class_schedule", "term": "first summer", "program": "MLS"})
    run(ActionAnswerFaq(store), dispatcher, t)
    message = dispatcher.messages[0]
    assert message["response"] == "utter_class_schedule"
    assert message["program_name"] == "Master of Information Management"
    assert [line.split(" (")[0].lstrip("- ") for line in message["items"].splitlines()] == ["Semester 3"]


def test_program_named_in_the_message_picks_the_variant(store, dispatcher) -> None:
    t = tracker("how long is the MIM", "faq", topic="duration", entities=[entity("program", "MIM")])
    events = run(ActionAnswerFaq(store), dispatcher, t)
    assert "24-month" in texts(dispatcher)
    assert SlotSet("program", "MIM") in events


def test_program_in_context_answers_without_asking(store, dispatcher) -> None:
    run(ActionAnswerFaq(store), dispatcher, tracker("how long is it", "faq", topic="duration",
                                                    slots={"program": "MLS"}))
    assert "two calendar years" in texts(dispatcher)


def test_follow_up_re_answers_the_last_topic_for_the_new_program(store, dispatcher) -> None:
    t = tracker("what about the m.i.m?", "follow_up", entities=[entity("program", "m.i.m")],
                slots={"last_topic": "accreditation", "program": "MLS"})
    run(ActionAnswerFaq(store), dispatcher, t)
    [message] = dispatcher.messages
    assert message["response"] == "utter_not_for_program" and message["program"] == "MIM"
    assert message["contact_phone"] == "301-405-2038"


@pytest.mark.parametrize(("topic", "program", "listed"), [
    ("general_mls", "MIM", "Master of Information Management"),  # "ok and mim?" after the General MLS
    ("data_analytics", "MLS", "Master of Library Science"),
])
def test_follow_up_after_a_specialization_lists_the_other_programs_specializations(store, dispatcher, topic,
                                                                                    program, listed) -> None:
    t = tracker(f"and the {program}?", "follow_up", entities=[entity("program", program)],
                slots={"last_topic": topic})
    run(ActionAnswerFaq(store), dispatcher, t)
    [message] = dispatcher.messages
    assert message["response"] == "utter_specializations" and message["program_name"] == listed


def test_follow_up_without_a_topic_gives_the_program_overview(store, dispatcher) -> None:
    run(ActionAnswerFaq(store), dispatcher, tracker("and the MLS?", "follow_up",
                                                    entities=[entity("program", "MLS")]))
    assert "American Library Association" in texts(dispatcher)


def follow_up_read(runner_up: str, confidence: float) -> dict:
    """Parse data of a follow-up whose runner-up intent is ``runner_up``."""
    return {"intent_ranking": [{"name": "follow_up", "confidence": 1 - confidence},
                               {"name": runner_up, "confidence": confidence}]}


@pytest.mark.parametrize(("text", "runner_up", "confidence", "phrase"), [
    # A follow-up naming another action's topic asks that topic for the other program.
    ("and what about the other program's specializations?", "ask_specializations", 0.21, "School Library"),
    ("and the class schedule for the other one?", "ask_class_schedule", 0.3, "Semester 1"),
    # Too little weight on the topic, or a bare follow-up: the last topic again, for the other program.
    ("and what about the other program's specializations?", "ask_specializations", 0.05, "two calendar years"),
    ("and the other one?", "ask_specializations", 0.3, "two calendar years"),
    # A runner-up FAQ is not taken for a topic: the selector's topic of a follow-up says little.
    ("and what about the other program then?", "faq", 0.4, "two calendar years"),
])
def test_a_follow_up_naming_another_topic_asks_it(store, dispatcher, text, runner_up, confidence, phrase) -> None:
    t = tracker(text, "follow_up", slots={"last_topic": "duration", "program": "MIM"},
                **follow_up_read(runner_up, confidence))
    run(ActionAnswerFaq(store), dispatcher, t)
    said = texts(dispatcher) + "".join(str(m.get("items", "")) for m in dispatcher.messages)
    assert phrase in said


@pytest.mark.parametrize("topic", ["tuition", "gre", "deadlines", "application_status", "financial_aid"])
def test_what_the_page_does_not_say_is_never_invented(store, dispatcher, topic) -> None:
    run(ActionAnswerFaq(store), dispatcher, tracker("q", "faq", topic=topic))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_not_covered"
    assert message["contact_phone"] == "301-405-2038"


def test_what_the_page_says_nearby_comes_with_the_honest_answer(store, dispatcher) -> None:
    run(ActionAnswerFaq(store), dispatcher, tracker("can I go part-time?", "faq", topic="part_time"))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_not_covered_known"
    assert "two courses each semester" in message["known"]
    assert message["contact_phone"] == "301-405-2038"


def test_sessions_list_future_sessions_in_campus_time(store, dispatcher) -> None:
    run(ActionInfoSessions(store, clock=lambda: NOW), dispatcher, tracker("info sessions?", "ask_info_sessions"))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_info_sessions"
    assert "Thu, Dec 3, 2026, 6:00 PM EST" in message["items"]
    assert "throughout the fall" in message["intro"]


def test_sessions_by_campus_are_in_person_there(store, dispatcher) -> None:
    t = tracker("info session at shady grove", "ask_info_sessions", entities=[entity("campus", "shady grove")])
    run(ActionInfoSessions(store, clock=lambda: NOW), dispatcher, t)
    items = dispatcher.messages[0]["items"].splitlines()
    assert items and all("Shady Grove" in line for line in items)


def test_a_campus_after_the_session_list_filters_it(store, dispatcher) -> None:
    listed = tracker("info sessions?", "ask_info_sessions")
    events = run(ActionInfoSessions(store, clock=lambda: NOW), dispatcher, listed)
    assert SlotSet("last_topic", "info_sessions") in events
    everything = dispatcher.messages[0]["items"].splitlines()
    dispatcher.messages.clear()
    t = tracker("at shady grove?", "follow_up", entities=[entity("campus", "shady grove")],
                slots={"last_topic": "info_sessions"})
    run(ActionAnswerFaq(store, clock=lambda: NOW), dispatcher, t)
    items = dispatcher.messages[0]["items"].splitlines()
    assert dispatcher.messages[0]["response"] == "utter_info_sessions"
    assert items and len(items) < len(everything) and all("Shady Grove" in line for line in items)


def test_a_time_zone_after_a_filtered_list_keeps_the_filter(store, dispatcher) -> None:
    t = tracker("in central time?", "follow_up", entities=[entity("timezone", "America/Chicago")],
                slots={"last_topic": "info_sessions", "campus": "shady grove", "delivery_mode": "in-person"})
    events = run(ActionAnswerFaq(store, clock=lambda: NOW), dispatcher, t)
    items = dispatcher.messages[0]["items"].splitlines()
    assert items and all("Shady Grove" in line and "your time" in line for line in items)
    slots = slots_after(t, events)
    assert (slots["campus"], slots["timezone"]) == ("shady grove", "America/Chicago")


def test_an_answer_sets_each_changed_slot_once_and_no_unchanged_one(store, dispatcher) -> None:
    t = tracker("how long is the MLS?", "faq", topic="duration", entities=[entity("program", "library science")],
                slots={"program": "MLS", "last_topic": "credits"})
    events = run(ActionAnswerFaq(store), dispatcher, t)
    names = [e["name"] for e in events]
    assert len(names) == len(set(names)) and "program" not in names
    assert slots_after(t, events)["last_topic"] == "duration" and names[-1] == "focus"


def test_past_sessions_are_never_offered(store, dispatcher) -> None:
    late = dt.datetime(2031, 1, 1, tzinfo=dt.timezone.utc)
    run(ActionInfoSessions(store, clock=lambda: late), dispatcher, tracker("sessions", "ask_info_sessions"))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_no_info_sessions"
    assert message["contact_phone"] == "301-405-2038"


def test_sessions_have_labelled_links(store, dispatcher) -> None:
    run(ActionInfoSessions(store, clock=lambda: NOW), dispatcher, tracker("info sessions?", "ask_info_sessions"))
    first = dispatcher.messages[0]["items"].splitlines()[0]
    assert "[Register](http" in first and "[Add to calendar](http" in first and ".ics)" in first


@pytest.mark.parametrize(("term", "semesters"), [
    ("first summer", ["Semester 3"]),
    ("second summer", ["Semester 6"]),
    ("fall", ["Semester 1", "Semester 4"]),
    ("second year", ["Semester 4", "Semester 5", "Semester 6"]),
    (None, [f"Semester {n}" for n in range(1, 7)]),
])
def test_class_schedule_by_semester(store, dispatcher, term, semesters) -> None:
    entities = [entity("program", "library science")] + ([entity("term", term)] if term else [])
    run(ActionClassSchedule(store), dispatcher, tracker("schedule", "ask_class_schedule", entities=entities))
    items = dispatcher.messages[0]["items"]
    assert [line.split(" (")[0].lstrip("- ") for line in items.splitlines()] == semesters


def test_class_schedule_asks_which_program_and_remembers_the_question(store, dispatcher) -> None:
    events = run(ActionClassSchedule(store), dispatcher, tracker("schedule", "ask_class_schedule"))
    assert dispatcher.messages[0]["response"] == "utter_ask_schedule_program"
    assert SlotSet("pending_topic", "class_schedule") in events


def test_second_summer_includes_the_field_study(store, dispatcher) -> None:
    t = tracker("2nd summer", "ask_class_schedule", entities=[entity("term", "2nd summer")], slots={"program": "MLS"})
    run(ActionClassSchedule(store), dispatcher, t)
    assert "LBSC 707 Field Study in Library Service (both summer sessions)" in dispatcher.messages[0]["items"]


def test_specializations_of_one_program_or_both(store, dispatcher) -> None:
    run(ActionSpecializations(store), dispatcher, tracker("mls tracks", "ask_specializations",
                                                          entities=[entity("program", "MLS")]))
    assert len(dispatcher.messages) == 1 and "School Library" in dispatcher.messages[0]["items"]
    both = type(dispatcher)()
    run(ActionSpecializations(store), both, tracker("tracks", "ask_specializations"))
    assert {m["program_name"] for m in both.messages} == {"Master of Library Science",
                                                         "Master of Information Management"}


@pytest.mark.parametrize(("text", "other"), [
    ("what about the other program's specializations", True),
    ("and the other?", True),
    ("same for the other degree", True),
    ("on the other hand, is the MLS online?", False),
    ("can I visit the other campus", False),
    ("any other degree programs online?", False),
])
def test_the_other_program_is_named_by_the_other_one_or_program_or_degree(text, other) -> None:
    assert parse.means_the_other(text) is other


@pytest.mark.parametrize("text", ["what about the other program's specializations",
                                  "which specializations does the other one have?"])
def test_specializations_of_the_other_program(store, dispatcher, text) -> None:
    run(ActionSpecializations(store), dispatcher, tracker(text, "ask_specializations", slots={"program": "MIM"}))
    assert [m["program_name"] for m in dispatcher.messages] == ["Master of Library Science"]


def test_specializations_of_the_program_the_conversation_is_about(store, dispatcher) -> None:
    run(ActionSpecializations(store), dispatcher, tracker("what specializations does it have?", "ask_specializations",
                                                          slots={"program": "MIM"}))
    assert [m["program_name"] for m in dispatcher.messages] == ["Master of Information Management"]


def test_the_other_program_before_any_program_is_known_means_both(store, dispatcher) -> None:
    run(ActionSpecializations(store), dispatcher, tracker("and the other one's specializations?",
                                                          "ask_specializations"))
    assert len(dispatcher.messages) == 2


def test_a_topic_asked_for_the_other_program(store, dispatcher) -> None:
    events = run(ActionAnswerFaq(store), dispatcher, tracker("is the other program also two years", "faq",
                                                             topic="duration", slots={"program": "MLS"}))
    assert SlotSet("program", "MIM") in events


@pytest.mark.parametrize(("text", "response"), [
    ("how do I reach student services?", "utter_contact"),
    ("whats their number", "utter_contact_phone"),  # a number asked for: the phone, not the fax too
    ("phone and fax please", "utter_contact"),
    ("do they have an email?", "utter_contact_no_email"),  # the page gives none: said, then the phone and fax
])
def test_contact(store, dispatcher, text, response) -> None:
    run(ActionContact(store), dispatcher, tracker(text, "ask_contact"))
    assert dispatcher.messages[0]["response"] == response
    assert dispatcher.messages[0]["phone"] == "301-405-2038"
    assert dispatcher.messages[0]["fax"] == "301-314-9145"


def test_a_program_after_the_contact_gets_the_contact_again(store, dispatcher) -> None:
    events = run(ActionContact(store), dispatcher, tracker("who do I call about the mls", "ask_contact"))
    assert SlotSet("last_topic", "contact") in events
    t = tracker("mim?", "follow_up", entities=[entity("program", "MIM")], slots={"last_topic": "contact"})
    run(ActionAnswerFaq(store), dispatcher, t)
    assert dispatcher.messages[-1]["phone"] == "301-405-2038", "the same office, not the MIM overview"


def test_a_bare_program_completes_the_pending_question_whatever_the_intent(store, dispatcher) -> None:
    t = tracker("mls", "faq", topic="program_overview", entities=[entity("program", "mls")],
                slots={"pending_topic": "duration", "last_topic": "duration"})
    run(ActionAnswerFaq(store), dispatcher, t)
    assert "two calendar years" in texts(dispatcher)


class RestartingDatabase:
    """The store while PostgreSQL restarts: its first ``failures`` calls cannot reach the database."""

    def __init__(self, store, failures: int) -> None:
        self._store, self.failures = store, failures

    def __getattr__(self, name):
        method = getattr(self._store, name)

        def call(*args, **kwargs):
            if self.failures:
                self.failures -= 1
                raise sa.exc.OperationalError("SELECT", {}, Exception("the database system is starting up"))
            return method(*args, **kwargs)

        return call


def test_an_action_rides_out_a_database_restart_and_says_its_answer_once(store, dispatcher, monkeypatch) -> None:
    monkeypatch.setattr(database, "FIRST_PAUSE_SECONDS", 0.01)
    expected = CollectingDispatcher()
    run(ActionAnswerFaq(store), expected, tracker("how long is the MLS?", "faq", topic="duration",
                                                  entities=[entity("program", "MLS")]))
    restarting = RestartingDatabase(store, failures=3)
    run(ActionAnswerFaq(restarting), dispatcher, tracker("how long is the MLS?", "faq", topic="duration",
                                                         entities=[entity("program", "MLS")]))
    assert restarting.failures == 0
    assert expected.messages and dispatcher.messages == expected.messages


def test_an_action_gives_up_when_the_database_stays_away(store, dispatcher, monkeypatch) -> None:
    monkeypatch.setattr(database, "FIRST_PAUSE_SECONDS", 0.01)
    monkeypatch.setattr(base, "DATABASE_RETRY_SECONDS", 0.05)
    with pytest.raises(sa.exc.OperationalError):
        run(ActionAnswerFaq(RestartingDatabase(store, failures=1000)), dispatcher,
            tracker("how long is the MLS?", "faq", topic="duration"))


def overview_read(text: str, runner_up: str) -> dict:
    """Parse data of a message the selector took for the MLS overview, ``runner_up`` ranked after the FAQ."""
    return {"entities": [entity("program", "MLS")],
            "intent_ranking": [{"name": "faq", "confidence": 0.7}, {"name": runner_up, "confidence": 0.1}]}


@pytest.mark.parametrize(("text", "runner_up", "last_topic", "phrase"), [
    # Right after the MIM's specializations, "what about the MLS?" asks for the MLS's.
    ("what about the MLS?", "follow_up", "specializations", "School Library"),
    ("what about the MLS?", "follow_up", "duration", "two calendar years"),
    # Without a previous topic, with more words, or without the follow-up hint it is the overview.
    ("what about the MLS?", "follow_up", None, "American Library Association"),
    ("tell me all about the MLS", "follow_up", "specializations", "American Library Association"),
    ("what is the MLS", "ask_specializations", "specializations", "American Library Association"),
])
def test_a_short_overview_question_after_an_answer_continues_its_topic(store, dispatcher, text, runner_up,
                                                                       last_topic, phrase) -> None:
    t = tracker(text, "faq", topic="program_overview", slots={"last_topic": last_topic, "program": "MIM"},
                **overview_read(text, runner_up))
    run(ActionAnswerFaq(store), dispatcher, t)
    said = texts(dispatcher) + "".join(str(m.get("items", "")) for m in dispatcher.messages)
    assert phrase in said


def test_an_answer_to_two_questions_keeps_both_subjects_in_focus_the_latest_first(store, dispatcher) -> None:
    asked = [{"label": "faq/orientation_visit", "text": "do I have to visit campus", "confidence": 0.99},
             {"label": "faq/course_load", "text": "how many classes a term", "confidence": 0.99}]
    t = tracker("do I have to visit campus, and how many classes a term?", "faq", topic="orientation_visit",
                slots={"program": "MIM"})
    t.latest_message["questions"] = asked
    events = run(ActionAnswerFaq(store), dispatcher, t)
    focus = [e["value"] for e in events if e.get("name") == "focus"]
    assert len(dispatcher.messages) >= 2 and focus and " | " in focus[0]
    assert focus[0].split(" | ")[0] == advising.focus(store, "course_load")


def test_after_an_answer_the_page_does_not_give_the_office_is_in_focus(store, dispatcher) -> None:
    # "are there scholarships?" -> "I don't have that ... the Student Services Office": "do they have a fax?"
    t = tracker("are there scholarships for online students?", "faq", topic="financial_aid")
    events = run(ActionAnswerFaq(store), dispatcher, t)
    assert dispatcher.messages, "the not-covered answer"
    assert [e["value"] for e in events if e.get("name") == "focus"] == ["the Student Services Office"]
    assert advising.focus(store, "not_covered") == advising.focus(store, "tuition") == "the Student Services Office"


def test_pushing_back_on_the_last_answer_hears_it_again_and_who_can_talk_it_through(store, dispatcher) -> None:
    t = tracker("what if I can't make it?", "pushback", slots={"last_topic": "orientation_visit", "program": "MLS"})
    events = run(ActionAnswerPushback(store), dispatcher, t)
    assert "no exceptions" in texts(dispatcher)
    pushback = dispatcher.messages[-1]
    assert pushback["response"] == "utter_pushback" and pushback["contact_phone"] == "301-405-2038"
    assert slots_after(t, events)["last_topic"] == "orientation_visit"


def test_pushing_back_on_a_thing_named_answers_about_it_not_the_last_topic(store, dispatcher) -> None:
    subject = {"label": "faq/orientation_visit", "confidence": 0.99, "text": "do I have to do the campus part?",
               "entities": []}
    t = tracker("what if I can't make it to the campus part?", "pushback", subject=subject,
                slots={"last_topic": "course_load"})
    events = run(ActionAnswerPushback(store), dispatcher, t)
    assert "no exceptions" in texts(dispatcher) and "two courses" not in texts(dispatcher)
    assert dispatcher.messages[-1]["response"] == "utter_pushback"
    assert slots_after(t, events)["last_topic"] == "orientation_visit"


def test_a_question_pushing_back_on_a_thing_named_ends_with_who_can_talk_it_through(store, dispatcher) -> None:
    subject = {"label": "faq/summer", "confidence": 0.99, "text": "do I have to do the summer classes?",
               "entities": []}
    t = tracker("is there any way out of the summer classes?", "faq", topic="summer", subject=subject)
    run(ActionAnswerFaq(store), dispatcher, t)
    assert [m["response"] for m in dispatcher.messages] == ["utter_answer_both", "utter_pushback"]
    assert "No summer break" in dispatcher.messages[0]["mls"]


def test_pushing_back_with_nothing_answered_before_is_asked_which_requirement(store, dispatcher) -> None:
    run(ActionAnswerPushback(store), dispatcher, tracker("is there any way around it?", "pushback"))
    assert [m["response"] for m in dispatcher.messages] == ["utter_pushback_which"]
    assert dispatcher.messages[0]["contact_phone"] == "301-405-2038"


def test_pushing_back_beside_a_grave_word_read_as_uncertain_adds_the_988_line(store, dispatcher) -> None:
    t = tracker("ugh that timing is gonna be the death of me. exceptions?", "pushback", crisis_level="uncertain",
                slots={"last_topic": "orientation_visit"})
    run(ActionAnswerPushback(store), dispatcher, t)
    responses = [m.get("response") for m in dispatcher.messages]
    assert "no exceptions" in texts(dispatcher)
    assert responses[-2:] == ["utter_pushback", "utter_crisis_line"]


def test_the_other_program_applies_to_a_question_read_with_the_focus(store, dispatcher) -> None:
    # "ok what about the other degree, where do those ppl end up working" after the MIM's careers: the turn reads
    # it with the focus as a careers question, asked of the MLS.
    t = tracker("ok what about the other degree, where do those ppl end up working", "out_of_scope",
                slots={"program": "MIM", "last_topic": "careers"},
                in_focus={"label": "faq/careers", "confidence": 0.98, "text": "the careers: ...", "leans": True,
                          "entities": []})
    run(ActionAnswerFaq(store), dispatcher, t)
    assert "librar" in texts(dispatcher) and "data scientists" not in texts(dispatcher)


@pytest.mark.parametrize(("idiom", "opening"), [
    (None, "utter_sorry_to_hear"),  # "my dad died in the spring ... when are the next sessions?"
    ({"grave": True}, "utter_story_heard"),  # "I've overdosed on coffee reading your website lol. what tech?"
])
def test_a_story_read_like_a_crisis_gets_condolences_unless_idioms_explain_it(store, dispatcher, idiom,
                                                                              opening) -> None:
    t = tracker("story, then: what technology do I need?", "faq", topic="technology")
    t.latest_message.update({"story": True, "crisis_level": "uncertain", "idiom": idiom, "questions": [
        {"label": "faq/technology", "confidence": 0.99, "text": "what technology do I need?"}]})
    run(ActionAnswerFaq(store), dispatcher, t)
    said = [m.get("response") for m in dispatcher.messages]
    assert said[0] == opening and "utter_crisis_line" in said


@pytest.mark.parametrize(("loss", "opening"), [
    (True, "utter_sorry_to_hear"),  # "My grandfather passed away last week ... Can I push my start back a year?"
    (False, "utter_story_heard"),  # "I've been a circulation clerk for six years ... how many classes at once?"
])
def test_a_story_answered_as_one_question_is_acknowledged_with_condolences_for_a_loss(store, dispatcher, loss,
                                                                                      opening) -> None:
    t = tracker("story, then: how many classes at once?", "faq", topic="course_load")
    t.latest_message.update({"story": True, "loss": loss})
    run(ActionAnswerFaq(store), dispatcher, t)
    assert dispatcher.messages[0].get("response") == opening and len(dispatcher.messages) >= 2


def test_an_email_asked_for_is_given_once_staff_add_one_to_the_knowledge_files(store, dispatcher) -> None:
    office = store.contact("student_services")
    with patch.object(type(store), "contact", return_value=replace(office, email="ischooladmission@example.edu")):
        run(ActionContact(store), dispatcher, tracker("what's their email address?", "ask_contact"))
    assert dispatcher.messages[0]["response"] == "utter_contact_email"
    assert dispatcher.messages[0]["email"] == "ischooladmission@example.edu"
