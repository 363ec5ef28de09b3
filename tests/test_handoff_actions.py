"""The handoff actions, hermetic: misunderstanding steps, the form's checks, tickets, crisis answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions.crisis import ActionCrisis
from actions.fallback import ActionHandleMisunderstanding
from actions.handoff import ActionAskHandoffConfirmed, ActionCancelHandoff, ActionSubmitHandoff, ValidateHandoffForm
from bot.config import PROJECT_ROOT
from bot.conversation import misunderstanding
from bot.database import make_engine
from bot.handoffs import form_fields, paging, tickets
from bot.knowledge.store import KnowledgeStore
from tests.conftest import NOW, entity, tracker

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def run(action, dispatcher, t):
    return asyncio.run(action.run(dispatcher, t, DOMAIN))


def responses(dispatcher) -> list[str]:
    return [m.get("response") for m in dispatcher.messages]


def turn(intent: str, action: str, text: str = "...") -> list[dict]:
    """One earlier exchange: the user's message and the action that answered it."""
    return [{"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
            {"event": "action", "name": action},
            {"event": "bot", "text": "(answer)"},
            {"event": "action", "name": "action_listen"}]


MISS = turn("nlu_fallback", misunderstanding.ACTION)
RANKED = {"intent_ranking": [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "faq", "confidence": 0.45},
                             {"name": "out_of_scope", "confidence": 0.4}],
          "response_selector": {"faq": {"ranking": [
              {"intent_response_key": "faq/field_study", "confidence": 0.5},
              {"intent_response_key": "faq/field_study_hours", "confidence": 0.3},
              {"intent_response_key": "faq/no_such_topic", "confidence": 0.1},
              {"intent_response_key": "faq/credits", "confidence": 0.06},
              {"intent_response_key": "faq/careers", "confidence": 0.01}]}}}


@pytest.mark.parametrize(("before", "expected"), [
    ([], 1),
    (MISS, 2),
    (MISS * 3, 4),
    (turn("faq", "action_answer_faq") + MISS, 2),
    (MISS * 2 + turn("faq", "action_answer_faq"), 1),
    (MISS + turn("request_human", "utter_handoff_intro") + MISS, 2),
])
def test_misunderstandings_are_counted_in_a_row(before, expected) -> None:
    events = [*before, {"event": "user", "text": "?"}]
    assert misunderstanding.streak(events) == expected


def after(previous: str | None) -> dict:
    return {"slots": {"last_misunderstanding": previous}}


@pytest.mark.parametrize(("misunderstood", "previous", "unsure", "has_choices", "expected"), [
    (1, None, False, True, "out_of_scope"),
    (1, None, True, True, "did_you_mean"),  # the classifier hesitated between topics: guess at once
    (1, "offer_person", False, False, "out_of_scope"),  # a new run of misunderstandings starts afresh
    (2, "out_of_scope", False, True, "did_you_mean"),
    (2, "out_of_scope", False, False, "rephrase"),  # nothing to guess: no "did you mean"
    (2, "did_you_mean", True, True, "rephrase"),
    (3, "did_you_mean", False, True, "rephrase"),
    (3, "rephrase", False, True, "offer_person"),
    (4, "offer_person", True, True, "still_not_understood"),
    (9, "still_not_understood", True, True, "still_not_understood"),  # no loop back
])
def test_each_reply_goes_one_step_further(misunderstood, previous, unsure, has_choices, expected) -> None:
    assert misunderstanding.step(misunderstood, previous, unsure=unsure, has_choices=has_choices) == expected


def test_first_misunderstanding_says_what_the_assistant_covers(store, dispatcher) -> None:
    events = run(ActionHandleMisunderstanding(store), dispatcher, tracker("qwerty", "nlu_fallback"))
    assert events == [SlotSet("handoff_offered", False), SlotSet("last_misunderstanding", "out_of_scope")]
    assert responses(dispatcher) == ["utter_out_of_scope"]


def test_first_unsure_guess_with_likely_topics_already_asks_did_you_mean(store, dispatcher) -> None:
    run(ActionHandleMisunderstanding(store), dispatcher, tracker("feild stuff", "nlu_fallback", **RANKED))
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/faq/field_study"
    off_topic = {**RANKED, "intent_ranking": [{"name": "out_of_scope", "confidence": 0.9},
                                              {"name": "faq", "confidence": 0.1}]}
    run(ActionHandleMisunderstanding(store), dispatcher, tracker("fields of wheat", "out_of_scope", **off_topic))
    assert responses(dispatcher)[-1] == "utter_out_of_scope", "judged off-topic: no guessing on the first miss"


def hesitant(ranking: list[tuple[str, float]], faq: float = 0.99) -> dict:
    """A parse the classifier hesitated on (nlu_fallback first), the FAQ weight ``faq``, topics ranked so."""
    return {"intent_ranking": [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "faq", "confidence": faq}],
            "response_selector": {"faq": {"ranking": [{"intent_response_key": key, "confidence": confidence}
                                                      for key, confidence in ranking]}}}


def said_in(dispatcher) -> str:
    """Every text and template value the dispatcher was given, in order."""
    return " ".join(str(v) for m in dispatcher.messages for v in m.values() if isinstance(v, str))


@pytest.mark.parametrize(("ranking", "answered"), [
    # "is the MIM only useful if I want to work at a tech company?": the careers, or not on the page
    ([("faq/careers", 0.557), ("faq/not_covered", 0.429)], True),
    ([("faq/not_covered", 0.5), ("faq/careers", 0.49)], False),  # not on the page ranked first
    ([("faq/careers", 0.3), ("faq/not_covered", 0.68)], False),  # the topic too unlikely
    ([("faq/careers", 0.5), ("faq/duration", 0.45)], False),  # two covered topics: did you mean
    ([("faq/careers", 0.5), ("faq/not_covered", 0.3)], False),  # the two together too unsure
])
def test_one_covered_topic_beside_not_covered_is_answered_with_who_knows_the_rest(store, dispatcher, ranking,
                                                                                  answered) -> None:
    parse = hesitant(ranking)
    events = run(ActionHandleMisunderstanding(store), dispatcher,
                 tracker("is the MIM only useful if I want to work at a tech company?", "nlu_fallback", **parse))
    if answered:
        assert responses(dispatcher)[-1] == "utter_guess_closing"
        said = said_in(dispatcher)
        assert "data scientists" in said
        assert SlotSet("last_misunderstanding", None) in events
    else:
        assert "utter_guess_closing" not in responses(dispatcher)


@pytest.mark.parametrize(("ranking", "missing"), [
    # "can I take summers off and just do fall/spring?": the summers, or another pace (not on the page)
    ([("faq/summer", 0.585), ("faq/part_time", 0.415)], "studying part-time"),
    # "what's the price difference between online and on campus?": the comparison, or tuition
    ([("faq/online_vs_campus", 0.5), ("faq/tuition", 0.45)], "tuition"),
])
def test_a_covered_topic_beside_a_missing_one_named_gets_both_answers(store, dispatcher, ranking, missing) -> None:
    parse = hesitant(ranking)
    run(ActionHandleMisunderstanding(store), dispatcher, tracker("q", "nlu_fallback", **parse))
    said = said_in(dispatcher)
    assert "utter_guess_closing" not in responses(dispatcher) and not any(m.get("buttons") for m in dispatcher.messages)
    assert missing in said and "301-405-2038" in said
    assert said.index(missing) > len(said) // 3, "the covered topic's answer first"


@pytest.mark.parametrize(("ranking", "answered"), [
    # "I sent my transcripts last week, how do I find out if they arrived?": materials, not on the page or status
    ([("faq/application_materials", 0.357), ("faq/not_covered", 0.335), ("faq/application_status", 0.26)], True),
    ([("faq/tuition", 0.6), ("faq/financial_aid", 0.35)], True),  # two missing things: "I don't have that"
    ([("faq/application_materials", 0.4), ("faq/not_covered", 0.3), ("faq/duration", 0.25)], False),  # one covered
    ([("faq/tuition", 0.4), ("faq/financial_aid", 0.3), ("faq/gre", 0.1)], False),  # too unsure together
])
def test_topics_the_page_does_not_cover_are_answered_without_did_you_mean(store, dispatcher, ranking,
                                                                          answered) -> None:
    parse = hesitant(ranking, faq=0.6)
    events = run(ActionHandleMisunderstanding(store), dispatcher,
                 tracker("I sent my transcripts last week, how do I find out if they arrived?", "nlu_fallback",
                         **parse))
    said = said_in(dispatcher)
    if answered:
        assert not any(m.get("buttons") for m in dispatcher.messages), "no did-you-mean buttons"
        assert "301-405-2038" in said
        assert SlotSet("last_misunderstanding", None) in events
    else:
        assert any(m.get("buttons") for m in dispatcher.messages), "a covered topic among them: did you mean"


def test_second_offers_the_likely_topics_then_none_of_these(store, dispatcher) -> None:
    run(ActionHandleMisunderstanding(store), dispatcher,
        tracker("feild stuff", "nlu_fallback", events=MISS, **after("out_of_scope"), **RANKED))
    message = dispatcher.messages[0]
    assert message["text"].startswith("Sorry, I'm not sure I understood. Did you mean")
    titles = [b["title"] for b in message["buttons"]]
    payloads = [b["payload"] for b in message["buttons"]]
    # Topics the store does not hold and topics below the threshold are left out.
    assert payloads == ["/faq/field_study", "/faq/field_study_hours", "/faq/credits", "/nlu_fallback"]
    assert titles[-1] == "None of these" and all(titles)


def test_topics_are_offered_only_when_the_faq_intent_has_weight(store, dispatcher) -> None:
    # The topic ranking is each topic's share of the FAQ intent's probability: sure of "technology" among
    # topics means nothing when the FAQ intent itself is unlikely ("do u like pineapple on pizza").
    topics = {"faq": {"ranking": [{"intent_response_key": "faq/technology", "confidence": 0.7},
                                  {"intent_response_key": "faq/gpa", "confidence": 0.03}]}}
    for faq, expected in ((0.3, ["/faq/technology", "/nlu_fallback"]), (0.02, [])):
        parse = {"intent_ranking": [{"name": "nlu_fallback", "confidence": 0.6},
                                    {"name": "faq", "confidence": faq}], "response_selector": topics}
        run(ActionHandleMisunderstanding(store), dispatcher,
            tracker("laptop?", "nlu_fallback", events=MISS, **after("out_of_scope"), **parse))
        assert [b["payload"] for b in dispatcher.messages[-1].get("buttons") or []] == expected


def test_the_catch_all_not_covered_topic_is_never_a_choice(store, dispatcher) -> None:
    parse = {"intent_ranking": [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "faq", "confidence": 0.4}],
             "response_selector": {"faq": {"ranking": [
                 {"intent_response_key": "faq/not_covered", "confidence": 0.5},
                 {"intent_response_key": "faq/careers", "confidence": 0.3}]}}}
    run(ActionHandleMisunderstanding(store), dispatcher,
        tracker("can I do it all from Seattle", "nlu_fallback", events=MISS, **after("out_of_scope"), **parse))
    assert [b["payload"] for b in dispatcher.messages[-1]["buttons"]] == ["/faq/careers", "/nlu_fallback"]


def test_rephrase_then_the_offer_of_a_person(store, dispatcher) -> None:
    off_topic = {"intent_ranking": [{"name": "out_of_scope", "confidence": 0.97}, {"name": "faq", "confidence": 0.02}]}
    run(ActionHandleMisunderstanding(store), dispatcher,
        tracker("book a flight", "out_of_scope", events=MISS, **after("out_of_scope"), **off_topic))
    assert responses(dispatcher) == ["utter_rephrase"]
    events = run(ActionHandleMisunderstanding(store), dispatcher,
                 tracker("?", "nlu_fallback", events=MISS * 2, **after("rephrase")))
    assert responses(dispatcher)[-1] == "utter_offer_person"
    assert SlotSet("handoff_offered", True) in events, "so that a yes or no right after it is understood"


def test_a_hesitant_follow_up_naming_a_program_is_answered_in_context(store, dispatcher) -> None:
    parse = {"intent_ranking": [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "follow_up", "confidence": 0.49},
                                {"name": "faq", "confidence": 0.29}]}
    t = tracker("what about the MIM?", "nlu_fallback", entities=[entity("program", "MIM")],
                slots={"last_topic": "duration", "program": "MLS"}, **parse)
    events = run(ActionHandleMisunderstanding(store), dispatcher, t)
    assert "24-month" in dispatcher.messages[0]["text"]
    assert SlotSet("program", "MIM") in events and SlotSet("last_misunderstanding", None) in events
    # Without an earlier answer there is nothing to follow up: the usual first reply.
    run(ActionHandleMisunderstanding(store), dispatcher, tracker("what about the MIM?", "nlu_fallback",
                                                                 entities=[entity("program", "MIM")], **parse))
    assert responses(dispatcher)[-1] == "utter_out_of_scope"


@pytest.mark.parametrize(("text", "intent"), [("MLS", "out_of_scope"), ("the library one", "nlu_fallback")])
def test_a_program_typed_after_a_question_back_completes_it(store, dispatcher, text, intent) -> None:
    t = tracker(text, intent, entities=[entity("program", "MLS")],
                slots={"pending_topic": "class_schedule", "last_topic": "class_schedule"})
    events = run(ActionHandleMisunderstanding(store), dispatcher, t)
    assert dispatcher.messages[0]["response"] == "utter_class_schedule"
    assert SlotSet("pending_topic", None) in events and SlotSet("handoff_offered", False) in events


def test_a_long_off_topic_message_naming_a_program_is_not_taken_for_a_follow_up(store, dispatcher) -> None:
    t = tracker("is the weather in College Park nice for MLS students", "out_of_scope",
                entities=[entity("program", "MLS")], slots={"last_topic": "duration"})
    run(ActionHandleMisunderstanding(store), dispatcher, t)
    assert responses(dispatcher) == ["utter_out_of_scope"]


def test_after_the_offer_no_loop_just_the_office(store, dispatcher) -> None:
    run(ActionHandleMisunderstanding(store), dispatcher,
        tracker("?", "nlu_fallback", events=MISS * 3, **after("offer_person"), **RANKED))
    assert responses(dispatcher) == ["utter_still_not_understood"]
    assert dispatcher.messages[0]["contact_phone"] == "301-405-2038"


def validate(store, dispatcher, slot: str, text: str, intent: str = "out_of_scope", **kwargs):
    form = ValidateHandoffForm(store)
    method = getattr(form, f"validate_{slot}")
    return method(text, dispatcher, tracker(text, intent, active_loop="handoff_form", **kwargs), DOMAIN)


def test_name_is_kept_skipped_or_cut_with_notice(store, dispatcher) -> None:
    assert validate(store, dispatcher, "handoff_name", "  Ada   Lovelace ") == {"handoff_name": "Ada Lovelace"}
    assert validate(store, dispatcher, "handoff_name", "skip", intent="skip") == {"handoff_name": ""}
    long_name = validate(store, dispatcher, "handoff_name", "A" * 300)
    assert long_name == {"handoff_name": "A" * form_fields.LIMITS["name"]}
    assert dispatcher.messages[-1] == {**dispatcher.messages[-1], "response": "utter_cut_handoff_name", "limit": 100}


@pytest.mark.parametrize(("text", "slot_value", "response"), [
    ("ada@example.edu", "ada@example.edu", None),
    ("Ada@Example.EDU", "Ada@example.edu", None),
    ("301 555 0123", "+1 301-555-0123", None),  # the summary and the final message show it this way
    ("+44 20 7946 0958", "+44 20 7946 0958", None),
    ("ada@example", None, "utter_invalid_not_email"),
    ("555-01", None, "utter_invalid_not_phone"),
    ("by carrier pigeon", None, "utter_invalid_not_contact"),
])
def test_contact_is_asked_again_with_the_reason(store, dispatcher, text, slot_value, response) -> None:
    assert validate(store, dispatcher, "handoff_contact", text) == {"handoff_contact": slot_value}
    assert responses(dispatcher) == ([response] if response else [])
    if response:
        assert dispatcher.messages[0]["value"] == text


def test_skipping_the_contact_warns_that_staff_cannot_reply(store, dispatcher) -> None:
    assert validate(store, dispatcher, "handoff_contact", "skip", intent="skip") == {"handoff_contact": ""}
    assert responses(dispatcher) == ["utter_contact_skipped"]


def test_long_question_is_cut_with_notice(store, dispatcher) -> None:
    result = validate(store, dispatcher, "handoff_question", "why " * 600, intent="faq")
    assert len(result["handoff_question"]) == form_fields.LIMITS["question"]
    assert responses(dispatcher) == ["utter_cut_handoff_question"]


def test_confirmation_sends_or_reopens_the_field_to_correct(store, dispatcher) -> None:
    assert validate(store, dispatcher, "handoff_confirmed", "yes", intent="affirm") == {"handoff_confirmed": "yes"}
    change = validate(store, dispatcher, "handoff_confirmed", "/correct_field", intent="correct_field",
                      entities=[entity("field", "contact")])
    assert change == {"handoff_confirmed": None, "handoff_contact": None}
    assert validate(store, dispatcher, "handoff_confirmed", "no", intent="deny") == {"handoff_confirmed": None}
    assert responses(dispatcher) == ["utter_which_change"]


def test_summary_shows_each_field_or_a_dash(store, dispatcher) -> None:
    slots = {"handoff_name": "", "handoff_contact": "ada@example.edu", "handoff_question": "Can I defer?"}
    run(ActionAskHandoffConfirmed(store), dispatcher, tracker("x", "skip", slots=slots))
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_handoff_confirmed"
    assert (message["name"], message["contact"], message["question"]) == ("-", "ada@example.edu", "Can I defer?")


class Notifier:
    """Stands in for the Slack call: records tickets, answers None (sent) or a fixed error."""

    def __init__(self, error: str | None = None) -> None:
        self.error, self.tickets = error, []

    def __call__(self, ticket: tickets.Ticket) -> str | None:
        self.tickets.append(ticket.reference)
        return self.error


@pytest.fixture
def queue(tmp_path) -> tickets.HandoffStore:
    return tickets.HandoffStore(make_engine(f"sqlite:///{tmp_path}/handoffs.db"))


FILLED = {"handoff_name": "Ada", "handoff_contact": "+1 301-555-0123", "handoff_question": "Can I defer a year?",
          "handoff_confirmed": "yes"}
EARLIER = turn("nlu_fallback", misunderstanding.ACTION, text="can I defer a year")


def test_submit_stores_the_ticket_tells_staff_and_the_user(store, queue, dispatcher) -> None:
    notifier = Notifier()
    action = ActionSubmitHandoff(store, clock=lambda: NOW, handoffs=queue, notify=notifier)
    events = run(action, dispatcher, tracker("yes", "affirm", slots=FILLED, events=EARLIER))
    ticket = queue.list("open")[0]
    assert (ticket.name, ticket.phone, ticket.email) == ("Ada", "+13015550123", ""), "stored in E.164"
    assert ticket.question == "Can I defer a year?"
    assert ticket.channel == "webchat" and ticket.sender_id == "test" and not ticket.urgent
    assert [t["text"] for t in json.loads(ticket.transcript)] == ["can I defer a year", "(answer)", "yes"]
    assert notifier.tickets == [ticket.reference] and queue.get(ticket.reference).notified
    reply = dispatcher.messages[0]
    assert reply["response"] == "utter_handoff_submitted"
    assert (reply["reference"], reply["contact"], reply["name"]) == (ticket.reference, "+1 301-555-0123", " Ada")
    assert reply["contact_phone"] == "301-405-2038" and reply["reply_time"] == "as soon as they can"
    assert all(isinstance(e, dict) and e["value"] is None for e in events), "the form is emptied for next time"


def test_one_conversation_cannot_flood_staff_with_tickets(store, queue) -> None:
    notifier = Notifier()
    replies = []
    for minute in range(tickets.MAX_TICKETS_PER_HOUR + 2):
        clock = (lambda m: lambda: NOW + dt.timedelta(minutes=m))(minute)
        said = CollectingDispatcher()
        run(ActionSubmitHandoff(store, clock=clock, handoffs=queue, notify=notifier), said,
            tracker("yes", "affirm", slots=FILLED, events=EARLIER))
        replies.append(said.messages[0]["response"])
    assert len(queue.list()) == len(notifier.tickets) == tickets.MAX_TICKETS_PER_HOUR
    assert replies[-2:] == ["utter_handoff_failed"] * 2
    later = lambda: NOW + dt.timedelta(hours=2)  # noqa: E731
    run(ActionSubmitHandoff(store, clock=later, handoffs=queue, notify=notifier), CollectingDispatcher(),
        tracker("yes", "affirm", slots=FILLED, events=EARLIER))
    assert len(queue.list()) == tickets.MAX_TICKETS_PER_HOUR + 1, "the limit is per hour"


def test_a_repeated_crisis_joins_the_open_urgent_ticket_instead_of_paging_again(store, queue) -> None:
    notifier = Notifier()
    references = []
    for minutes in (0, 5, 20, 45):
        said = CollectingDispatcher()
        clock = (lambda m: lambda: NOW + dt.timedelta(minutes=m))(minutes)
        run(ActionCrisis(store, clock=clock, handoffs=queue, notify=notifier), said,
            tracker("I want to end my life", "crisis"))
        references.append(said.messages[0]["reference"])
    assert references[0] == references[1] == references[2] != references[3], "a new page after the window"
    assert len(notifier.tickets) == 2 and all(t.urgent for t in queue.list())


def test_a_failed_slack_message_keeps_the_ticket(store, queue, dispatcher) -> None:
    action = ActionSubmitHandoff(store, handoffs=queue, notify=Notifier("Slack unreachable: ConnectTimeout"))
    run(action, dispatcher, tracker("yes", "affirm", slots={**FILLED, "handoff_contact": ""}))
    ticket = queue.list()[0]
    assert not ticket.notified and ticket.notify_error == "Slack unreachable: ConnectTimeout"
    assert responses(dispatcher) == ["utter_handoff_submitted_no_contact"]


def test_a_database_failure_is_told_honestly(store, queue, dispatcher, monkeypatch) -> None:
    def broken(**_):
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(queue, "create", broken)
    events = run(ActionSubmitHandoff(store, handoffs=queue, notify=Notifier()), dispatcher,
                 tracker("yes", "affirm", slots=FILLED))
    assert responses(dispatcher) == ["utter_handoff_failed"]
    assert SlotSet("handoff_question", None) in events


def test_cancel_forgets_the_form(store, dispatcher) -> None:
    events = run(ActionCancelHandoff(store), dispatcher, tracker("stop", "stop", slots=FILLED))
    assert responses(dispatcher) == ["utter_handoff_stopped"]
    assert {e["name"] for e in events} == set(FILLED) and all(e["value"] is None for e in events)


def test_crisis_action_stores_an_urgent_ticket_and_says_staff_were_told(store, queue, dispatcher) -> None:
    notifier = Notifier()
    action = ActionCrisis(store, handoffs=queue, notify=notifier)
    events = run(action, dispatcher, tracker("someone in my class is threatening me", "crisis"))
    ticket = queue.list()[0]
    assert ticket.urgent and ticket.question == "someone in my class is threatening me"
    assert notifier.tickets == [ticket.reference]
    [told] = dispatcher.messages
    assert told["response"] == "utter_crisis_staff_told" and told["reference"] == ticket.reference
    assert told["contact_phone"] == "301-405-2038"
    assert events == []


def test_crisis_with_the_knowledge_database_down_still_stores_the_ticket(queue, dispatcher, tmp_path) -> None:
    broken = KnowledgeStore(make_engine(f"sqlite:///{tmp_path}/missing/dir/knowledge.db"))
    run(ActionCrisis(broken, handoffs=queue, notify=Notifier()), dispatcher, tracker("I want to end my life", "crisis"))
    [ticket] = queue.list()
    assert ticket.urgent
    [told] = dispatcher.messages
    assert told["response"] == "utter_crisis_staff_told" and told["reference"] == ticket.reference


def test_the_static_crisis_response_lists_every_crisis_contact_in_order() -> None:
    """The rules utter it before any custom action; it must match knowledge/contacts.yml (group: crisis)."""
    import yaml

    text = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())["responses"]["utter_crisis"][0]["text"]
    contacts = [c for c in yaml.safe_load((PROJECT_ROOT / "knowledge" / "contacts.yml").read_text())["contacts"]
                if c.get("group") == "crisis"]
    lines = text.splitlines()[1:]
    assert [f"- {c['name']}: {c['phone']} ({c['purpose']})" for c in contacts] == lines


class Poster:
    """Stands in for the staff channel's summary post."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, text: str) -> str | None:
        self.texts.append(text)
        return None


def test_a_crisis_flood_from_new_conversations_pages_staff_a_few_times_a_minute(store, queue) -> None:
    notifier, poster, scheduled = Notifier(), Poster(), []
    pager = paging.UrgentPager(3, poster, schedule=lambda delay, callback: scheduled.append(delay))
    for n in range(20):  # one new conversation per message, as a script inventing sender ids would
        said = CollectingDispatcher()
        flood = tracker("I want to kill myself", "crisis").current_state()
        flood["sender_id"] = f"flood-{n:04d}"
        run(ActionCrisis(store, clock=lambda n=n: NOW + dt.timedelta(seconds=n), handoffs=queue, notify=notifier,
                         pager=pager), said, Tracker.from_dict(flood))
        assert said.messages[0]["response"] == "utter_crisis_staff_told", "the student is told all the same"
    stored = queue.list()
    assert len(stored) == 20 and all(t.urgent for t in stored), "every ticket is stored"
    assert len(notifier.tickets) == 3, "the first three of the minute page staff one by one"
    assert len(scheduled) == 1 and 0 < scheduled[0] <= 61, "one summary is due at the end of the minute"
    assert pager.post_held(queue) == 17
    assert len(poster.texts) == 1 and poster.texts[0].startswith("URGENT 17 more urgent conversations")
    held = [t.reference for t in stored if t.reference not in notifier.tickets]
    assert all(reference in poster.texts[0] for reference in held), "the summary lists every held ticket"
    assert all(queue.get(reference).notified for reference in held)
    assert pager.post_held(queue) == 0, "each held ticket is posted once"
    said = CollectingDispatcher()
    later = tracker("I want to kill myself", "crisis").current_state()
    later["sender_id"] = "after-the-minute"
    run(ActionCrisis(store, clock=lambda: NOW + dt.timedelta(minutes=1), handoffs=queue, notify=notifier,
                     pager=pager), said, Tracker.from_dict(later))
    assert len(notifier.tickets) == 4, "a new minute pages again"
