"""A student asking for a reminder in the chat, or cancelling them: what to store and what to answer.

The actions (``actions/reminders.py``) read the tracker into a :class:`Request` and utter the
:class:`~bot.conversation.advising.Reply` returned here; the wording is in ``domain.yml``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.conversation import advising
from bot.conversation.advising import Reply
from bot.conversation.wording import line
from bot.handoffs.form_fields import check_email
from bot.handoffs.tickets import HandoffStore, as_utc
from bot.knowledge.records import InfoSession
from bot.knowledge.store import KnowledgeStore
from bot.reminders import choice, schedule
from bot.reminders.sending import session_values
from bot.reminders.store import ReminderStore

# Something the student typed as an address: a run of characters around an @ (checked by email-validator).
TYPED_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']*@[^\s<>()\[\],;:\"']*")


@dataclass(frozen=True)
class Request:
    """What the conversation says: the message, the session it names, the list shown, addresses given."""

    sender_id: str
    channel: str
    text: str
    campus: Optional[str] = None  # named in this message (entity)
    format: Optional[str] = None
    listed: Sequence[str] = ()  # the sessions last listed, in order (slot listed_sessions)
    shown_sessions: bool = False  # the last answer was the sessions list (slot last_topic)
    list_campus: Optional[str] = None  # that list's filter (slots campus, delivery_mode)
    list_format: Optional[str] = None
    waiting: Optional[str] = None  # the session waiting for an address (slot reminder_session)
    timezone: Optional[str] = None  # the student's (slot timezone)
    earlier_addresses: Sequence[Optional[str]] = ()  # given for an earlier reminder, in the handoff form


@dataclass
class Collaborators:
    """Where sessions, reminders and tickets are, the settings, and the time."""

    store: KnowledgeStore
    reminders: ReminderStore
    handoffs: HandoffStore
    settings: Settings
    now: dt.datetime


def remind(request: Request, using: Collaborators) -> Reply:
    """Store the reminder the message asks for, or the question back or the reason it cannot be stored."""
    zone = schedule.zone_of(request.timezone, using.settings.timezone)
    listed = listed_sessions(request, using)
    if not listed:
        return Reply("utter_reminder_no_list", slots={"reminder_pending": False})
    session, asked_back = chosen(request, listed, zone, using.store)
    if session is None:
        return asked_back
    values = session_values(session, str(zone.key), using.settings, using.store)
    if as_utc(session.starts_at) <= as_utc(using.now):
        return Reply("utter_reminder_session_passed", values=values,
                     slots={"reminder_session": None, "reminder_pending": False})
    email, malformed = given_email(request, using.handoffs)
    if not email:
        return Reply("utter_reminder_bad_email" if malformed else "utter_reminder_ask_email",
                     values={**values, "value": malformed},
                     slots={"reminder_session": session.uid, "reminder_pending": True})
    send_at = schedule.send_time(session.starts_at, zone, using.now)
    using.reminders.add(sender_id=request.sender_id, channel=request.channel, email=email, session_uid=session.uid,
                        session_title=session.title, starts_at=session.starts_at, send_at=send_at,
                        timezone=str(zone.key), now=using.now)
    local = send_at.astimezone(zone)
    return Reply("utter_reminder_set", values={**values, "email": email, "remind_day": f"{local:%a, %b} {local.day}"},
                 slots={"reminder_session": None, "reminder_pending": False, "reminder_email": email})


def stop(sender_id: str, reminders: ReminderStore, store: KnowledgeStore) -> Reply:
    """Cancel every pending reminder of one conversation."""
    cancelled = reminders.cancel_all(sender_id)
    return Reply("utter_reminders_cancelled" if cancelled else "utter_no_reminders",
                 values={"count": cancelled, **advising.contact_values(store)},
                 slots={"reminder_session": None, "reminder_pending": False})


def listed_sessions(request: Request, using: Collaborators) -> list[InfoSession]:
    """The sessions the conversation was last shown, in order; empty when it was shown none."""
    if request.listed:
        return [s for s in (using.store.info_session(uid) for uid in request.listed) if s is not None]
    if request.shown_sessions:  # a list shown by a follow-up: the same filter again
        return using.store.upcoming_info_sessions(using.now, campus=request.list_campus, format=request.list_format)
    return []


def chosen(request: Request, listed: list[InfoSession], zone: ZoneInfo,
           store: KnowledgeStore) -> tuple[Optional[InfoSession], Reply]:
    """The session the message names (or the one waiting for an address); else the question back."""
    names_one = (request.campus or request.format or choice.ordinal(request.text) is not None
                 or choice.named_date(request.text))
    if request.waiting and not names_one:
        waiting = store.info_session(request.waiting)
        if waiting is not None:
            return waiting, Reply()
    found = choice.choose(listed, request.text, campus=request.campus, format=request.format, zone=zone)
    if found.session is not None:
        return found.session, Reply()
    if not found.candidates:
        return None, Reply("utter_reminder_no_match", slots={"reminder_session": None, "reminder_pending": False})
    items = "\n".join(line("utter_line_reminder_choice", number=number, title=s.title,
                           when=advising.format_time(s.starts_at, zone))
                      for number, s in enumerate(found.candidates, start=1))
    slots: dict[str, Any] = {"listed_sessions": [s.uid for s in found.candidates], "reminder_session": None,
                             "reminder_pending": False}
    return None, Reply("utter_reminder_which", values={"items": items}, slots=slots)


def given_email(request: Request, handoffs: HandoffStore) -> tuple[str, str]:
    """(address, "") from this message or what the conversation gave before; ("", typed) when one is malformed."""
    typed = [t.strip(".!?") for t in TYPED_ADDRESS.findall(request.text)]
    typed = [t for t in typed if t.strip("@")]  # a lone "@" ("the one @ college park") is no address
    if typed:
        checked = check_email(typed[0])
        return (checked.value, "") if not checked.problem else ("", typed[0])
    for earlier in request.earlier_addresses:
        if earlier and not check_email(earlier).problem:
            return check_email(earlier).value, ""
    ticket = next((t for t in handoffs.of_conversation(request.sender_id) if t.email), None)
    return (ticket.email, "") if ticket else ("", "")
