"""What the latest message asks, read once per turn from its parse and the conversation's state.

The NLU reads a message three ways (bot/nlu/questions.py): as a whole, one question at a time when it
asks several or buries one in a story, and with the conversation's focus when it leans on the last
answer ("how many credits is it?"). ``resolve`` chooses: the questions in order when there are several
(up to three), the one question of a story, or the in-focus reading of a follow-up; ``None`` when the
message is one plain question, which the action it was routed to answers as it always did. Every
answering action calls it (actions/base.py), so the rules for following a conversation live here alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from bot.conversation.parse import RETRIEVAL_INTENT, full_label, means_the_other

# A question's own reading counts when the classifier is at least this sure of it (its intent's confidence,
# times the topic's share for an FAQ topic); below, the part is named as not understood.
MIN_QUESTION_CONFIDENCE = 0.3
# A few words that ask in no question's form beside a question ("Credits needed to graduate MLS online. Work placement
# mandatory?") count only when the classifier is all but sure of them: "Long day at work." asks nothing.
MIN_TERSE_CONFIDENCE = 0.9
# The in-focus reading replaces the message's own when it is a program question this sure; one the NLU settled on the
# topic about the focus (bot/nlu/questions.py, ``settle_on_focus``) this sure, and only when it points at the focus.
MIN_IN_FOCUS_CONFIDENCE = 0.5
MIN_SETTLED_CONFIDENCE = 0.2
# The focus slot after an answer to several questions holds each subject ("the orientation visit | the course
# load"); the NLU reads a follow-up with each and keeps the surest reading (bot/nlu/questions.py).
FOCUS_SEPARATOR, MAX_FOCUSES = " | ", 3
MAX_QUESTIONS = 3
FOLLOW_UP = "follow_up"
# Questions the program as a whole answers, which a pointer may ask of a part of it (the field study's credits).
WHOLE_PROGRAM = frozenset({"faq/credits", "faq/duration"})
# Topics that are themselves the whole program's schedule: read with one of them, the program's length is still the
# program's ("total time then?" after the class schedule: its length, not the course load again). Credits are not:
# "how many credits per semester is that?" after the course load asks the course load.
WHOLE_SCHEDULE = frozenset({"faq/course_load", "faq/cohort", "faq/class_format", "faq/same_requirements"})
LENGTH = "faq/duration"
UNPLACED = ("nlu_fallback", "out_of_scope")
PUSHBACK = "pushback"
# Entities a follow-up asks the last topic again of: a program, or the sessions' campus or time zone.
NARROWING = frozenset({"program", "campus", "timezone"})
# The thing a message pushes back on, read alone ("the summer classes?"), is its subject when this sure.
MIN_SUBJECT_CONFIDENCE = 0.8


@dataclass(frozen=True)
class Asked:
    """One question to answer: its label ('faq/credits', 'ask_specializations'), the program it names."""

    label: str
    program: Optional[str] = None
    text: str = ""


@dataclass(frozen=True)
class Turn:
    """The questions to answer in order, the parts not understood, whether to add the 988 line and the office."""

    asked: list[Asked] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)
    crisis_line: bool = False
    story: bool = False
    pushed_back: bool = False  # the student can't meet what they asked about: who can talk it through follows


def answers(label: str) -> bool:
    """Whether the label is a question answered from the programs' knowledge."""
    return label.startswith(RETRIEVAL_INTENT + "/") or (label.startswith("ask_") and label != "ask_capabilities")


def named_program(entities: list[dict[str, Any]], canonical: Callable[[str], Optional[str]]) -> Optional[str]:
    """The first program the entities name, canonical ('MLS'), or None."""
    for entity in entities or []:
        if entity.get("entity") == "program" and entity.get("value"):
            found = canonical(str(entity["value"]))
            if found:
                return found
    return None


def confidence(parse: dict[str, Any]) -> float:
    """How sure the classifier is of the message's label: the intent's confidence, times the topic's share."""
    value = float((parse.get("intent") or {}).get("confidence") or 0.0)
    selected = (parse.get("response_selector") or {}).get(RETRIEVAL_INTENT, {}).get("response", {})
    if full_label(parse).startswith(RETRIEVAL_INTENT + "/"):
        value *= float(selected.get("confidence") or 0.0)
    return value


def resolve(parse: dict[str, Any], canonical: Callable[[str], Optional[str]],
            covered: Callable[[str], bool] = lambda label: True, last: Optional[str] = None,
            nearby: Callable[[str], bool] = lambda label: False) -> Optional[Turn]:
    """The turn's questions, or None when the message is one plain question (see the module's docstring).

    ``canonical`` maps a program as written ('library science') to its code ('MLS'); ``covered`` tells
    whether a label is answered by the page (a topic marked not covered gets "I don't have that"), ``nearby``
    whether such an answer also gives what the page says close to it (part-time study: the one set pace).
    A follow-up is read with the focus when it points at it ("how many credits is it?"), or when its own
    reading answers nothing ("is there a final report?" read alone: not on the page). A reading with the
    focus that only asks the last topic again (``last``, e.g. 'faq/cohort') does not replace a question
    answered on its own: "how many classes per semester is it?" asks about the program, not the cohort.
    """
    crisis_line = parse.get("crisis_level") == "uncertain"
    label = full_label(parse)
    whole_program = named_program(parse.get("entities") or [], canonical)
    readings = parse.get("questions") or []
    asked: list[Asked] = []
    not_understood: list[str] = []
    surest = 0.0
    for reading in readings:
        if reading.get("terse") and not (answers(reading["label"]) and reading["confidence"] >= MIN_TERSE_CONFIDENCE):
            continue
        if answers(reading["label"]) and reading["confidence"] >= MIN_QUESTION_CONFIDENCE:
            program = named_program(reading.get("entities") or [], canonical) or whole_program
            asked.append(Asked(reading["label"], program, reading.get("text") or ""))
            surest = max(surest, reading["confidence"])
        elif (reading["label"] in UNPLACED or reading["confidence"] < MIN_QUESTION_CONFIDENCE) and reading.get(
                "asks", True):  # a clause of a story ("which worked fine.") is not named
            not_understood.append(reading.get("text") or "")
    # One question told among a story is read alone when that is surer than the whole message: the story's
    # words pull the whole elsewhere ("... data skills I don't have. What specialization would I complete?").
    distinct = len(_once(asked))
    # So is the one question beside a few words told when the whole reads as what the page does not say ("rip my
    # hamster. info session dates?").
    story_question = (bool(parse.get("story")) or (answers(label) and not covered(label))) and distinct == 1 and (
        surest > confidence(parse))
    focused = parse.get("in_focus")
    # One question in parts that points at the focus reads surer with it than the whole message or any part alone
    # ("only the in-person ones, where are they?" after the information sessions: not the field study's sites).
    if (readings and distinct <= 1 and not parse.get("story") and focused and focused.get("leans")
            and answers(focused["label"]) and covered(focused["label"])
            and focused["confidence"] > max(surest, confidence(parse), MIN_IN_FOCUS_CONFIDENCE)):
        return _with_focus(focused, canonical, whole_program, crisis_line)
    if distinct > 1 or (asked and (not answers(label) or crisis_line or story_question)):
        # A program named in one question applies to the others ("credits of the MLS, and a field study?").
        programs = {a.program for a in asked if a.program}
        shared = programs.pop() if len(programs) == 1 else None
        asked = _once([a if a.program else Asked(a.label, shared, a.text) for a in asked])[:MAX_QUESTIONS]
        return Turn(asked, not_understood if len(asked) else [], crisis_line, bool(parse.get("story")))
    subject = parse.get("subject")
    if (distinct <= 1 and subject and answers(subject["label"]) and covered(subject["label"])
            and subject["confidence"] >= MIN_SUBJECT_CONFIDENCE
            and (label in (PUSHBACK, subject["label"]) or (answers(label) and not covered(label)))):
        # Pushing back on a thing named ("what if I can't make it to the campus part?", "is there any way out of the
        # summer classes?", "can I skip the field study if I already work in a library?", which the page does not
        # answer as asked): what the page says of that thing, then who can talk it through.
        program = named_program(subject.get("entities") or [], canonical) or whole_program
        return Turn([Asked(subject["label"], program, parse.get("text") or "")], [], crisis_line, pushed_back=True)
    # A follow-up naming a program, a campus or a time zone ("and the MIM?", "and the other one?", "what time would
    # that be for me in california") asks the last topic again of it (its own action, which keeps the sessions'
    # filter); one naming nothing may point at the focus ("which campuses?" after the information sessions).
    narrowing = [e for e in parse.get("entities") or [] if e.get("entity") in NARROWING]
    follow_up_of_focus = (label == FOLLOW_UP and not narrowing and bool(focused and focused.get("leans"))
                          and not means_the_other(parse.get("text") or ""))
    if focused and (label != FOLLOW_UP or follow_up_of_focus) and takes_the_focus(parse, label, focused, covered,
                                                                                   last, nearby):
        return _with_focus(focused, canonical, whole_program, crisis_line)
    if asked and not_understood and not parse.get("story") and answers(label) and covered(label):
        # One question understood beside a part asked that is not ("is there a written assignment?" beside who
        # supervises the field study): the message's own answer, and the part named, never dropped unsaid. Not in a
        # story, whose whole reading often answers what a part alone could not.
        return Turn([Asked(label, whole_program, parse.get("text") or "")], not_understood, crisis_line)
    if crisis_line:
        return Turn([Asked(label, whole_program, parse.get("text") or "")] if answers(label) else [], [], True)
    return None


def _with_focus(focused: dict[str, Any], canonical: Callable[[str], Optional[str]], whole_program: Optional[str],
                crisis_line: bool) -> Turn:
    """The turn as the in-focus reading asks it, of the program it names or else the message's."""
    program = named_program(focused.get("entities") or [], canonical) or whole_program
    return Turn([Asked(focused["label"], program, focused.get("text") or "")], [], crisis_line)


def _once(asked: list[Asked]) -> list[Asked]:
    """The questions in order, each label asked of each program once ("credits of the MLS? and the MIM?": two).

    A question naming no program is answered for both, so it covers the same question of either, and is
    covered by the same question asked of a program before it.
    """
    seen: set[tuple[str, Optional[str]]] = set()
    found = []
    for one in asked:
        if (one.label, one.program) in seen or (one.label, None) in seen or (
                one.program is None and any(label == one.label for label, _ in seen)):
            continue
        seen.add((one.label, one.program))
        found.append(one)
    return found


def takes_the_focus(parse: dict[str, Any], label: str, focused: dict[str, Any], covered: Callable[[str], bool],
                    last: Optional[str], nearby: Callable[[str], bool] = lambda label: False) -> bool:
    """Whether the in-focus reading, a sure and covered program question, replaces the message's own label.

    It does when it points at the focus (and asks more than the last topic again) or when the message's own
    reading answers nothing the page covers.
    """
    # A settled reading counts when it points at the focus. It asks the last topic again only in place of a question
    # about the whole program ("is that a whole-year thing or shorter?" after the field study's hours: its one
    # semester) or of an answer the page does not give ("Is there a deadline for having that in place?" after the
    # technology), not of one that says what the page gives nearby ("is there any way to slow it down?" after the
    # class format: the one set pace, with the part-time answer) nor of another the page covers.
    settled = bool(focused.get("settled"))
    again = settled and focused["label"] == last and label not in WHOLE_PROGRAM and (covered(label) or nearby(label))
    if (focused["label"] == label or not answers(focused["label"]) or (settled and not focused.get("leans")) or again
            or focused["confidence"] < (MIN_SETTLED_CONFIDENCE if settled else MIN_IN_FOCUS_CONFIDENCE)
            or not covered(focused["label"])):
        return False
    if label == LENGTH and focused.get("leans") and focused["label"] in WHOLE_SCHEDULE:
        return False
    if focused.get("leans") and (focused["label"] != last or label in WHOLE_PROGRAM
                                 or focused["confidence"] > confidence(parse)):
        # Pointing at the focus, it asks something new; or asks the last topic again where the message alone
        # reads as a question about the whole program ("how many credits does it count for?" after the field
        # study: 3, not 36) or less surely than it reads with the focus.
        return True
    return not (answers(label) and confidence(parse) >= MIN_IN_FOCUS_CONFIDENCE and covered(label))
