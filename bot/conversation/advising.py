"""What the assistant decides to say, given the store and what the user asked.

The actions stay thin: they read the tracker, call one function here and utter a domain response
with the values it returns. Wording lives in the domain and the knowledge files, not here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.conversation.wording import line
from bot.knowledge.records import Course, InfoSession
from bot.knowledge.store import KnowledgeStore

STUDENT_SERVICES = "student_services"
# Knowledge topics read by actions other than action_answer_faq (they need no training examples).
ACTION_TOPICS = frozenset({"info_sessions"})
# Topics answered by their own actions that a follow-up ("and the MIM?") can ask again for another program.
SCHEDULE, SPECIALIZATIONS, CONTACT, SESSIONS = "class_schedule", "specializations", "contact", "info_sessions"
# The intents that ask them: a follow-up naming one asks it (misunderstanding.topic_named_in_follow_up).
INTENT_TOPICS = {"ask_class_schedule": SCHEDULE, "ask_specializations": SPECIALIZATIONS, "ask_contact": CONTACT,
                 "ask_info_sessions": SESSIONS}
COMPARISON, OVERVIEW = "compare_programs", "program_overview"
# When the program is unknown and the answer differs by program, both answers are given when together they
# fit in a few short lines; longer ones get a one-sentence version of each first, then a question back.
BOTH_ANSWERS_MAX_CHARS = 600


@dataclass(frozen=True)
class Reply:
    """A domain response to utter (or plain knowledge text), its values and the slots to set."""

    response: str | None = None
    text: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)


def contact_values(store: KnowledgeStore | None) -> dict[str, str]:
    """Name and phone of the Student Services Office, for responses that refer people to it.

    Without a store (its database is down) the office is named and its phone left to the website.
    """
    contact = store.contact(STUDENT_SERVICES) if store is not None else None
    if contact is None:
        return {"contact_name": "Student Services Office", "contact_phone": "listed on the iSchool website"}
    return {"contact_name": contact.name, "contact_phone": contact.phone}


def answer_topic(store: KnowledgeStore, topic: str | None, program: str | None) -> Reply:
    """The answer for ``topic``: for ``program``, or for both programs when it is unknown.

    A question back comes only when both answers would be long, and then after a short version of each.
    """
    if not topic:
        if program:
            topic = OVERVIEW
        else:
            return Reply(response="utter_default")
    variants = {v.program: v for v in store.answer_variants(topic)}
    slots: dict[str, Any] = {"last_topic": topic, "pending_topic": None}
    if program:
        slots["program"] = program
    if not variants:
        return Reply(response="utter_not_covered", values={"subject": topic.replace("_", " "),
                                                           **contact_values(store)}, slots=slots)
    chosen = variants.get(program or "") or variants.get("")
    if chosen is None and program is None and len(variants) == 1:
        chosen = next(iter(variants.values()))
    if chosen is None:
        return both_programs(store, topic, variants, slots)
    if not chosen.covered:
        described_for = [v.program for v in variants.values() if v.covered and v.program]
        if chosen.program and described_for:  # "and for the MIM?" after an MLS-only topic
            return Reply(response="utter_not_for_program",
                         values={"subject": chosen.title.lower(), "program": chosen.program,
                                 "other": " and ".join(described_for), **contact_values(store)}, slots=slots)
        if chosen.text:  # what the page does say nearby ("the pace is fixed: ...")
            return Reply(response="utter_not_covered_known",
                         values={"subject": chosen.title, "known": chosen.text, **contact_values(store)}, slots=slots)
        return Reply(response="utter_not_covered", values={"subject": chosen.title, **contact_values(store)},
                     slots=slots)
    return Reply(text=chosen.text, slots=slots)


def both_programs(store: KnowledgeStore, topic: str, variants: dict[str, Any],
                  slots: dict[str, Any]) -> Reply:
    """The answer for each program (once when they are the same), or short versions and a question back."""
    mls, mim = variants.get("MLS"), variants.get("MIM")
    described = [v for v in (mls, mim) if v is not None and v.covered]
    if len(described) == 1:  # the page describes it for one program: that answer says so
        return Reply(text=described[0].text, slots=slots)
    if mls is None or mim is None or not described:
        return Reply(response="utter_ask_which_program", slots={**slots, "pending_topic": topic})
    if mls.text == mim.text:
        return Reply(text=mls.text, slots=slots)
    if len(mls.text) + len(mim.text) <= BOTH_ANSWERS_MAX_CHARS:
        return Reply(response="utter_answer_both", values={"mls": mls.text, "mim": mim.text}, slots=slots)
    return Reply(response="utter_answer_both_short",
                 values={"mls": first_sentence(mls.text), "mim": first_sentence(mim.text)},
                 slots={**slots, "pending_topic": topic})


def first_sentence(text: str) -> str:
    """The text up to the end of its first sentence."""
    match = re.search(r"(?<=[.!?])\s", text)
    return text[:match.start()] if match else text


def other_program(store: KnowledgeStore, program: str | None) -> str | None:
    """The program that is not ``program`` ("and the other one?"), or None when that is unclear."""
    others = [code for code in store.program_codes() if code != program]
    return others[0] if program and len(others) == 1 else None


# "the other program's specializations", "what does the other one require", "and the other?"; not "on the other
# hand", "the other campus" or "any other degree programs".
def follow_up(store: KnowledgeStore, topic: str | None, program: str | None, term: str | None) -> list[Reply]:
    """The previous (or pending) topic answered again for ``program``: FAQ, schedule or specializations."""
    own = own_action_topic(store, topic, program, term)
    if own is not None:
        return own
    if not topic and not program:
        return [Reply(response="utter_ask_which_program")]
    if topic == COMPARISON and program:  # "MIM" after the side-by-side comparison: tell me more about the MIM
        topic = OVERVIEW
    owner = specialization_owner(store, topic)
    if program and owner and owner != program:  # "and the MIM?" after the General MLS: the MIM's specialization
        return specializations(store, program)
    return [answer_topic(store, topic, program)]


def specialization_owner(store: KnowledgeStore, topic: str | None) -> str | None:
    """The program whose specialization ``topic`` describes ('MLS' for the School Library one), by its title."""
    variants = store.answer_variants(topic) if topic else []
    title = variants[0].title.lower().removesuffix(" specialization") if variants else ""
    return next((code for code in store.program_codes() for spec in store.specializations(code)
                 if title and spec.name.lower() == title), None)


def format_time(moment: dt.datetime, zone: ZoneInfo) -> str:
    """'Thu, Dec 3, 2026, 6:00 PM EST' in ``zone``."""
    local = moment.astimezone(zone)
    return f"{local:%a, %b} {local.day}, {local.year}, {clock_time(local)}"


def clock_time(local: dt.datetime) -> str:
    """'6:00 PM EST' of an aware datetime."""
    return f"{local.hour % 12 or 12}:{local:%M %p %Z}"


def session_line(session: InfoSession, campus_zone: ZoneInfo, user_zone: ZoneInfo | None, public_url: str) -> str:
    """One line of the sessions list: campus time, the user's time if known, labelled links."""
    when = format_time(session.starts_at, campus_zone)
    if user_zone is not None and user_zone.key != campus_zone.key:
        local = session.starts_at.astimezone(user_zone)
        same_day = local.date() == session.starts_at.astimezone(campus_zone).date()
        day = "" if same_day else f"{local:%a, %b} {local.day}, "
        when = line("utter_line_your_time", when=when, day=day, time=clock_time(local))
    where = line("utter_line_campus", campus=session.campus) if session.campus else line("utter_line_online")
    return line("utter_line_info_session", when=when, title=session.title, where=where,
                register_url=session.registration_url,
                calendar_url=f"{public_url}/webhooks/calendar/sessions/{session.uid}.ics")


def as_of(store: KnowledgeStore, kind: str) -> str:
    """The date ``kind`` was last loaded, e.g. 'Nov 27, 2026'."""
    moment = store.imported_at(kind)
    return f"{moment:%b} {moment.day}, {moment.year}" if moment else "an unknown date"


def info_sessions(store: KnowledgeStore, now: dt.datetime, *, campus: str | None, format: str | None,
                  timezone: str, user_timezone: str | None = None, public_url: str = "") -> Reply:
    """Upcoming sessions, soonest first, filtered by campus and format, in campus (and user) time."""
    if campus and not format:
        format = "in-person"
    zone = ZoneInfo(timezone)
    user_zone = ZoneInfo(user_timezone) if user_timezone else None
    sessions = store.upcoming_info_sessions(now, campus=campus, format=format)
    intro = next((v.text for v in store.answer_variants("info_sessions") if not v.program), "")
    filters = [f for f in (format, campus and f"at {campus}") if f]
    values = {"intro": intro, "filter": " ".join(filters) + " " if filters else "", **contact_values(store),
              "as_of": as_of(store, "info_sessions")}
    slots: dict[str, Any] = {"last_topic": SESSIONS, "pending_topic": None, "campus": campus, "delivery_mode": format}
    if user_timezone:
        slots["timezone"] = user_timezone
    if not sessions:
        return Reply(response="utter_no_info_sessions", values=values, slots=slots)
    items = "\n".join(session_line(s, zone, user_zone, public_url) for s in sessions)
    return Reply(response="utter_info_sessions", values={**values, "items": items}, slots=slots)


def specializations(store: KnowledgeStore, program: str | None) -> list[Reply]:
    """One reply per program (or the one asked about) listing its specializations."""
    codes = [program] if program else store.program_codes()
    replies = []
    for code in codes:
        items = [line("utter_line_specialization_since" if s.online_since else "utter_line_specialization",
                      name=s.name, summary=s.summary, since=s.online_since)
                 for s in store.specializations(code)]
        slots: dict[str, Any] = {"last_topic": SPECIALIZATIONS, "pending_topic": None}
        replies.append(Reply(response="utter_specializations",
                             values={"program_name": store.program_name(code), "items": "\n".join(items)},
                             slots={**slots, "program": program} if program else slots))
    return replies


def semesters_for(term: str | None, courses: list[Course]) -> tuple[list[int], str]:
    """The cohort semesters a term phrase refers to ('first summer' -> [3]) and a label for it."""
    order = sorted({(c.semester, c.term) for c in courses})
    if not term:
        return [s for s, _ in order], ""
    words = term.lower().split()
    ordinal = {"first": 0, "second": 1}.get(words[0]) if len(words) > 1 else None
    kind = words[-1]
    if kind == "year":
        half = (len(order) + 1) // 2
        chosen = order[:half] if ordinal == 0 else order[half:]
    elif kind == "semester":
        chosen = order[:1]
    else:
        chosen = [o for o in order if o[1] == kind]
        if ordinal is not None:
            chosen = chosen[ordinal:ordinal + 1]
    return [s for s, _ in chosen], term


def class_schedule(store: KnowledgeStore, program: str | None, term: str | None) -> Reply:
    """A program's cohort schedule, whole or for one term ('first summer', 'fall', 'second year')."""
    slots: dict[str, Any] = {"last_topic": SCHEDULE, "term": term}
    if not program:
        return Reply(response="utter_ask_schedule_program", slots={**slots, "pending_topic": SCHEDULE})
    slots.update(program=program, pending_topic=None)
    courses = store.schedule(program)
    semesters, label = semesters_for(term, courses)
    chosen = [c for c in courses if c.semester in semesters]
    values = {"program_name": store.program_name(program), "scope": f" ({label})" if label else "",
              "as_of": as_of(store, "course_schedule"), **contact_values(store)}
    if not chosen:
        return Reply(response="utter_no_class_schedule", values={**values, "scope": label or "any semester"},
                     slots=slots)
    lines = []
    for semester in sorted({c.semester for c in chosen}):
        rows = [c for c in chosen if c.semester == semester]
        courses_text = "; ".join(course_line(c) for c in rows)
        lines.append(line("utter_line_semester", semester=semester, term=rows[0].term, courses=courses_text))
    return Reply(response="utter_class_schedule", values={**values, "items": "\n".join(lines)}, slots=slots)


def course_line(course: Course) -> str:
    """'LBSC 707 Field Study (both summer sessions)'."""
    if not course.summer_session:
        return line("utter_line_course", code=course.course_code, title=course.course_title)
    name = ("utter_line_course_both_summer_sessions" if course.summer_session == "both"
            else "utter_line_course_summer_session")
    return line(name, code=course.course_code, title=course.course_title, summer_session=course.summer_session)


# A question for the office's phone alone ("whats their number", "who do I call?"): the fax is left out.
_ASKS_PHONE = re.compile(r"\b(?:phone|number|call|ring|dial)\b", re.IGNORECASE)
_ASKS_FAX = re.compile(r"\bfax", re.IGNORECASE)
_ASKS_EMAIL = re.compile(r"\be-?mail", re.IGNORECASE)


def contact(store: KnowledgeStore, asked: str = "") -> Reply:
    """The Student Services Office's details: the phone alone when ``asked`` asks for a number, not the fax.

    Asked for an email ("do they have an email?"): the address when the office has one in the knowledge files,
    else that the programs page lists none, then the phone and fax.
    """
    office = store.contact(STUDENT_SERVICES)
    if office is None:
        return Reply(response="utter_default")
    phone_only = bool(_ASKS_PHONE.search(asked)) and not _ASKS_FAX.search(asked)
    response = "utter_contact_phone" if phone_only else "utter_contact"
    if _ASKS_EMAIL.search(asked):
        response = "utter_contact_email" if office.email else "utter_contact_no_email"
    return Reply(response=response, values={
        "name": office.name, "purpose": office.purpose, "phone": office.phone, "fax": office.fax,
        "email": office.email, "source": office.source,
        "as_of": f"{office.reviewed:%b} {office.reviewed.day}, {office.reviewed.year}"},
        slots={"last_topic": CONTACT, "pending_topic": None})


def handoff_values(store: KnowledgeStore) -> dict[str, str]:
    """Who answers handed-off questions, how soon, and their phone."""
    office = store.contact(STUDENT_SERVICES)
    return {**contact_values(store), "reply_time": office.reply_time if office else ""}



# What "it" refers to after each topic, as the NLU reads it in a follow-up ("how many credits is it?" ->
# "how many credits is the field study?"). Topics not listed are referred to by their title.
_FOCUS = {SCHEDULE: "the class schedule", SPECIALIZATIONS: "the specializations",
          CONTACT: "the Student Services Office", SESSIONS: "the information session",
          "orientation_visit": "the campus orientation visit",
          "class_format": "the live online classes", "course_load": "the course load",
          "program_overview": "the program", "compare_programs": "the two programs", "duration": "the program",
          "credits": "the degree"}


def covered(store: KnowledgeStore, topic: str) -> bool:
    """Whether the programs page answers an FAQ topic: it has a covered answer."""
    return any(v.covered for v in store.answer_variants(topic))


def says_nearby(store: KnowledgeStore, topic: str) -> bool:
    """Whether the answer to a topic the page does not cover gives what the page says nearby (part-time: the pace)."""
    return any(not v.covered and v.text.strip() for v in store.answer_variants(topic))


def focus(store: KnowledgeStore, topic: str | None) -> str | None:
    """The phrase a follow-up's "it" stands for after ``topic`` ('the field study'); None for none."""
    if not topic:
        return None
    if topic in _FOCUS:
        return _FOCUS[topic]
    if topic.startswith("field_study"):
        return "the field study"
    variants = store.answer_variants(topic)
    if not variants:
        return None
    if not any(v.covered for v in variants):
        # "I don't have that; the Student Services Office can answer": "do they have a fax?", "who handles that?"
        return _FOCUS[CONTACT]
    return "the " + variants[0].title.lower()


def own_action_topic(store: KnowledgeStore, topic: str | None, program: str | None,
                     term: str | None, asked: str = "") -> list[Reply] | None:
    """The replies to a topic answered by its own action (schedule, specializations, contact), else None.

    ``asked``: the question as written, for the contact (a number asked for gets the phone alone).
    """
    if topic == SCHEDULE:
        return [class_schedule(store, program, term)]
    if topic == SPECIALIZATIONS:
        return specializations(store, program)
    if topic == CONTACT:  # one office answers for both programs: "and for the MIM?" gets it again
        return [contact(store, asked)]
    return None


def answer(store: KnowledgeStore, label: str, program: str | None, term: str | None, asked: str = "") -> list[Reply]:
    """The replies to one question by its label: an FAQ topic, specializations, schedule or contact.

    ``asked`` is the question as written (a number asked of the office gets its phone alone).
    """
    topic = INTENT_TOPICS.get(label) or (label.split("/", 1)[1] if "/" in label else None)
    own = own_action_topic(store, topic, program, term, asked)
    return own if own is not None else [answer_topic(store, topic, program)]
