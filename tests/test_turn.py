"""Reading a turn: several questions, a question among a story, a follow-up read with the focus."""

from __future__ import annotations

import pytest

from bot.conversation.turn import Asked, resolve

PROGRAMS = {"mls": "MLS", "library science": "MLS", "mim": "MIM"}


def canonical(text: str):
    return PROGRAMS.get(text.lower())


def faq(topic: str, confidence: float = 0.9) -> dict:
    return {"intent": {"name": "faq", "confidence": confidence},
            "response_selector": {"faq": {"response": {"intent_response_key": f"faq/{topic}", "confidence": 1.0}}}}


def reading(label: str, confidence: float = 0.9, text: str = "q", program: str | None = None) -> dict:
    entities = [{"entity": "program", "value": program}] if program else []
    return {"label": label, "confidence": confidence, "text": text, "entities": entities}


def test_a_plain_question_is_left_to_its_action() -> None:
    assert resolve({"text": "how many credits", **faq("credits")}, canonical) is None


def test_two_questions_are_answered_in_order_and_share_the_program_one_names() -> None:
    parse = {**faq("credits"), "questions": [reading("faq/credits", program="mls"), reading("faq/field_study")]}
    found = resolve(parse, canonical)
    assert found.asked == [Asked("faq/credits", "MLS", "q"), Asked("faq/field_study", "MLS", "q")]


def test_one_question_asked_of_each_program_is_answered_for_each() -> None:
    parse = {**faq("credits"), "questions": [reading("faq/credits", program="mls"),
                                             reading("faq/credits", program="mim"), reading("faq/credits")]}
    assert [(a.label, a.program) for a in resolve(parse, canonical).asked] == [
        ("faq/credits", "MLS"), ("faq/credits", "MIM")]
    first = {**faq("credits"), "questions": [reading("faq/credits"), reading("faq/credits", program="mls"),
                                             reading("faq/credits", program="mim")]}
    assert resolve(first, canonical) is None  # one question, for both programs: its action answers it
    again = {**faq("credits"), "questions": [reading("faq/credits", program="mim"), reading("faq/duration"),
                                             reading("faq/credits")]}  # the one program named applies to all
    assert [(a.label, a.program) for a in resolve(again, canonical).asked] == [("faq/credits", "MIM"),
                                                                              ("faq/duration", "MIM")]


def test_the_same_question_twice_is_one_question() -> None:
    parse = {**faq("recorded_session"), "questions": [reading("faq/recorded_session"),
                                                      reading("faq/recorded_session")]}
    assert resolve(parse, canonical) is None  # one question: its action answers it as it always did


def test_at_most_three_questions_and_each_once() -> None:
    parse = {**faq("credits"), "questions": [reading(f"faq/t{k}") for k in (1, 2, 2, 3, 4)]}
    assert [a.label for a in resolve(parse, canonical).asked] == ["faq/t1", "faq/t2", "faq/t3"]


def test_a_part_that_cannot_be_placed_is_named() -> None:
    parse = {**faq("credits"), "questions": [reading("faq/credits"), reading("faq/duration"),
                                             reading("nlu_fallback", 0.4, text="blorf the thing")]}
    assert resolve(parse, canonical).not_understood == ["blorf the thing"]


def test_a_part_asked_beside_the_one_understood_is_named_not_dropped() -> None:
    # "During the MLS field study, who oversees my work, and is there a written assignment?"
    unplaced = {**reading("nlu_fallback", 0.2, text="is there a written assignment?"), "asks": True}
    parse = {**faq("field_study"), "text": "q", "questions": [reading("faq/field_study"), unplaced]}
    found = resolve(parse, canonical)
    assert [a.label for a in found.asked] == ["faq/field_study"]
    assert found.not_understood == ["is there a written assignment?"]
    # within a story the whole reading stands alone; a clause that asks nothing is never named
    assert resolve({**parse, "story": True}, canonical) is None
    clause = {**reading("nlu_fallback", 0.2, text="which worked fine."), "asks": False}
    assert resolve({**parse, "questions": [reading("faq/field_study"), clause]}, canonical) is None


def test_the_question_of_a_story_is_answered_when_the_whole_message_was_not_placed() -> None:
    parse = {"intent": {"name": "nlu_fallback", "confidence": 0.3}, "questions": [reading("faq/working_full_time")]}
    assert [a.label for a in resolve(parse, canonical).asked] == ["faq/working_full_time"]


def test_a_story_whose_whole_reading_is_a_question_keeps_it() -> None:
    parse = {**faq("duration"), "questions": [reading("faq/duration")]}
    assert resolve(parse, canonical) is None


def leaning(label: str, confidence: float, leans: bool = True) -> dict:
    return {**reading(label, confidence), "leans": leans}


@pytest.mark.parametrize(("own", "focused", "expected"), [
    ("faq/credits", leaning("faq/field_study_course", 0.8), "faq/field_study_course"),  # "how many credits is it?"
    ("faq/credits", leaning("faq/field_study_course", 0.3), None),  # too unsure to override
    ("follow_up mim", leaning("faq/credits", 0.9), None),  # "and the MIM?": the follow-up's own rules
    ("follow_up", leaning("ask_info_sessions", 0.99), "ask_info_sessions"),  # "which campuses?" after the sessions
    ("follow_up", leaning("ask_class_schedule", 0.99, leans=False), None),  # "ok and the other program?"
    ("faq/credits", leaning("out_of_scope", 0.9), None),
    # Not pointing at the focus: a question answered on its own keeps its answer ("how many credits is the MLS?")
    ("faq/credits", leaning("faq/field_study_course", 0.9, leans=False), None),
    # ... and one the page does not answer alone takes the focus ("is there a final report?")
    ("faq/deadlines", leaning("faq/field_study_hours", 0.9, leans=False), "faq/field_study_hours"),
])
def test_a_follow_up_is_read_with_the_focus_when_that_reading_is_sure(own, focused, expected) -> None:
    own, _, program = own.partition(" ")
    parse = {**(faq(own.split("/")[1]) if "/" in own else {"intent": {"name": own, "confidence": 0.9}}),
             "in_focus": focused, "entities": [{"entity": "program", "value": program}] if program else []}
    found = resolve(parse, canonical, covered=lambda label: label != "faq/deadlines")
    assert (found.asked[0].label if found else None) == expected


def test_an_uncertain_crisis_answers_the_question_with_the_988_line() -> None:
    parse = {**faq("orientation_visit"), "crisis_level": "uncertain"}
    found = resolve(parse, canonical)
    assert found.crisis_line and [a.label for a in found.asked] == ["faq/orientation_visit"]


def test_the_one_question_of_a_story_is_read_alone_when_that_is_surer() -> None:
    question = reading("ask_specializations", 0.99, "What specialization would I complete?")
    story = {**faq("careers", 0.84), "story": True, "questions": [question],
             "entities": [{"entity": "program", "value": "mim"}]}
    found = resolve(story, canonical)
    assert found.asked == [Asked("ask_specializations", "MIM", "What specialization would I complete?")]
    assert found.story
    surer_whole = {**faq("careers", 0.995), "story": True, "questions": [question]}
    assert resolve(surer_whole, canonical) is None  # the whole message, as its action answers it


def test_one_question_in_parts_pointing_at_the_focus_is_read_with_it_when_that_is_surer() -> None:
    parse = {"intent": {"name": "follow_up", "confidence": 0.94}, "text": "only the in-person ones, where are they?",
             "questions": [reading("follow_up", 1.0), reading("faq/field_study_sites", 0.57)],
             "in_focus": {**reading("ask_info_sessions", 0.99), "leans": True}}
    assert [a.label for a in resolve(parse, canonical).asked] == ["ask_info_sessions"]
    # Two questions of their own stay two, and a reading with the focus that does not point is not taken.
    parse["questions"] = [reading("faq/credits", 0.9), reading("faq/field_study_sites", 0.57)]
    assert [a.label for a in resolve(parse, canonical).asked] == ["faq/credits", "faq/field_study_sites"]
    parse["questions"], parse["in_focus"]["leans"] = [reading("faq/field_study_sites", 0.57)], False
    assert [a.label for a in resolve(parse, canonical).asked] == ["faq/field_study_sites"]


@pytest.mark.parametrize(("own", "subject", "expected"), [
    # "what if I can't make it to the campus part?": pushing back, the thing named read alone
    ({"intent": {"name": "pushback", "confidence": 0.98}}, reading("faq/orientation_visit", 0.95),
     "faq/orientation_visit"),
    # "is there any way out of the summer classes?": the summer answer, then who can talk it through
    (faq("summer", 0.99), reading("faq/summer", 0.97), "faq/summer"),
    # the thing read alone unsure: the message is left to its action (the last topic again)
    ({"intent": {"name": "pushback", "confidence": 0.98}}, reading("faq/orientation_visit", 0.5), None),
    # a question about another thing than the one pushed back on: left as it is
    (faq("field_study", 0.99), reading("faq/summer", 0.97), None),
    # "can I skip the field study if I already work in a library?": not on the page as asked, the field study is
    (faq("not_covered", 0.8), reading("faq/field_study", 0.97), "faq/field_study"),
])
def test_pushing_back_on_a_thing_named_answers_about_it_with_the_office(own, subject, expected) -> None:
    found = resolve({**own, "text": "q", "subject": subject}, canonical,
                    covered=lambda label: label != "faq/not_covered")
    assert (found.asked[0].label if found else None) == expected
    assert found is None or found.pushed_back


def test_pushing_back_on_a_thing_the_page_does_not_cover_is_left_to_its_action() -> None:
    parse = {**faq("not_covered", 0.99), "text": "can I skip the GRE?", "subject": reading("faq/gre", 0.97)}
    assert resolve(parse, canonical, covered=lambda label: label != "faq/gre") is None


def test_a_follow_up_to_the_other_program_keeps_its_own_rule() -> None:
    parse = {"intent": {"name": "follow_up", "confidence": 0.9}, "text": "and the other one?",
             "in_focus": leaning("ask_class_schedule", 0.99)}
    assert resolve(parse, canonical, last="faq/credits") is None
    assert resolve({**parse, "text": "which campuses?"}, canonical, last="faq/credits") is not None


@pytest.mark.parametrize(("last", "expected"), [
    # "how many credits does it count for?" after the field study: its own 3 credits, not the program's 36
    ("faq/field_study_course", "faq/field_study_course"),
    # "total time then?" after the course load: the program's length, not the course load again
    ("faq/course_load", None),
])
def test_a_whole_program_question_after_a_part_asks_the_part_and_after_the_schedule_asks_the_program(
        last, expected) -> None:
    parse = {**faq("duration", 0.8), "in_focus": {**reading(last, 0.85), "leans": True}}
    found = resolve(parse, canonical, last=last)
    assert (found.asked[0].label if found else None) == expected


def test_credits_asked_after_the_course_load_ask_the_course_load() -> None:
    # "how many credits per semester is that?" after the course load: two courses, not the program's 36
    parse = {**faq("credits", 0.8), "in_focus": {**reading("faq/course_load", 0.99), "leans": True}}
    assert resolve(parse, canonical, last="faq/course_load").asked[0].label == "faq/course_load"


def test_a_terse_sentence_beside_a_question_counts_only_when_all_but_sure() -> None:
    # "Credits needed to graduate MLS online. Work placement mandatory?"; "Long day at work." asks nothing.
    def parse(confidence: float) -> dict:
        terse = {**reading("faq/credits", confidence), "terse": True}
        return {**faq("field_study"), "questions": [terse, reading("faq/field_study")]}
    assert [a.label for a in resolve(parse(0.95), canonical).asked] == ["faq/credits", "faq/field_study"]
    assert resolve(parse(0.6), canonical) is None  # the message's own answer, the field study


def test_a_reading_settled_on_the_focus_is_taken_only_when_it_points_and_asks_something_new() -> None:
    # "How many credit hours it counts?" after the field study: its course (3 credits), not the program's 36.
    def parse(label: str, leans: bool = True) -> dict:
        return {"text": "q", **faq("credits"), "in_focus": {**reading(label, 0.46), "leans": leans, "settled": True}}
    assert resolve(parse("faq/field_study_course"), canonical, last="faq/field_study").asked[0].label == (
        "faq/field_study_course")
    assert resolve(parse("faq/field_study_course", leans=False), canonical, last="faq/field_study") is None
    # The last topic again: in place of a question about the whole program ("is that a whole-year thing?"), not of
    # another covered one.
    assert resolve(parse("faq/field_study_course"), canonical, last="faq/field_study_course").asked[0].label == (
        "faq/field_study_course")
    cohort = {"text": "q", **faq("cohort"), "in_focus": {**reading("faq/field_study_course", 0.46), "leans": True,
                                                          "settled": True}}
    assert resolve(cohort, canonical, last="faq/field_study_course") is None
    # The last topic again in place of an answer the page does not give, unless that answer says what it gives nearby.
    off_page = {"text": "q", **faq("deadlines"), "in_focus": {**reading("faq/technology", 0.24), "leans": True,
                                                               "settled": True}}
    assert resolve(off_page, canonical, covered=lambda label: label != "faq/deadlines",
                   last="faq/technology").asked[0].label == "faq/technology"
    assert resolve(off_page, canonical, covered=lambda label: label != "faq/deadlines", last="faq/technology",
                   nearby=lambda label: True) is None


def test_one_question_surer_than_a_whole_read_as_off_the_page_is_answered() -> None:
    # "rip my hamster. info session dates?": the sessions, not "I don't have that".
    parse = {"text": "q", **faq("not_covered", 0.5), "questions": [reading("ask_info_sessions", 0.99)]}
    found = resolve(parse, canonical, covered=lambda label: label != "faq/not_covered")
    assert [a.label for a in found.asked] == ["ask_info_sessions"]
