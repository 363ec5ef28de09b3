"""Handoff tickets: what the assistant could not answer, passed to staff with everything they need.

Tickets live in their own database (HANDOFF_DB_URL, default SQLite at var/handoffs.db), apart from the
knowledge tables, so rebuilding the knowledge never touches them. A ticket is committed before staff
are notified: a failed notification is recorded on the ticket and never loses it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import re
import secrets
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import requests
from sqlalchemy import Boolean, Column, DateTime, Integer, String, Text, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, sessionmaker

logger = logging.getLogger(__name__)

HandoffBase = declarative_base()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
LIMITS = {"name": 100, "email": 254, "phone": 40, "question": 1000}
STATUSES = ("open", "closed")


class Ticket(HandoffBase):
    """One question handed to staff."""

    __tablename__ = "handoff_tickets"
    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    status = Column(String(8), nullable=False, default="open")
    urgent = Column(Boolean, nullable=False, default=False)
    channel = Column(String(32), nullable=False, default="")
    sender_id = Column(String(128), nullable=False, default="")
    name = Column(String(LIMITS["name"]), nullable=False, default="")
    email = Column(String(LIMITS["email"]), nullable=False, default="")
    phone = Column(String(LIMITS["phone"]), nullable=False, default="")
    question = Column(Text, nullable=False, default="")
    transcript = Column(Text, nullable=False, default="[]")
    answer = Column(Text, nullable=False, default="")
    closed_at = Column(DateTime(timezone=True))
    notified = Column(Boolean, nullable=False, default=False)
    notify_error = Column(String(300), nullable=False, default="")


@dataclass(frozen=True)
class Field:
    """A form value after checking: the value kept, or why it was refused (a code the domain words).

    ``problem`` is one of PROBLEMS; the assistant answers with the response ``utter_invalid_<problem>``.
    """

    value: str
    problem: str = ""
    cut: bool = False


PROBLEMS = ("empty", "too_long", "not_email", "not_phone", "not_contact")
PHONE = re.compile(r"^(?P<number>\+?[\d\s().-]+?)(\s*(x|ext\.?)\s*\d{1,6})?$", re.IGNORECASE)


def check_email(text: str) -> Field:
    """A usable email address, or the reason it is not one."""
    value = text.strip()
    if len(value) > LIMITS["email"]:
        return Field("", "too_long")
    if not EMAIL.match(value):
        return Field("", "not_email")
    return Field(value)


def check_phone(text: str) -> Field:
    """A phone number with its area code (7 to 15 digits, optional +, extension), or why not."""
    value = " ".join(text.split())
    if len(value) > LIMITS["phone"]:
        return Field("", "too_long")
    match = PHONE.match(value)
    if not match or not 7 <= sum(ch.isdigit() for ch in match["number"]) <= 15:
        return Field("", "not_phone")
    return Field(value)


def check_contact(text: str) -> tuple[str, Field]:
    """How staff can reply: ('email', field) or ('phone', field), judged by what the text looks like."""
    value = text.strip()
    if "@" in value:
        return "email", check_email(value)
    if any(ch.isdigit() for ch in value):
        return "phone", check_phone(value)
    return "", Field("", "empty" if not value else "not_contact")


def check_text(kind: str, text: str) -> Field:
    """A name or question, cut to its limit (the caller tells the user when it was cut)."""
    value = " ".join(text.split())
    if not value:
        return Field("", "empty")
    limit = LIMITS[kind]
    return Field(value[:limit], cut=len(value) > limit)


def transcript(events: Iterable[dict[str, Any]], limit: int = 50) -> list[dict[str, str]]:
    """The conversation's messages from Rasa tracker events, oldest first, the last ``limit`` of them."""
    turns = []
    for event in events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            at = event.get("timestamp")
            turns.append({"from": event["event"], "text": str(event["text"])[:2000],
                          "at": dt.datetime.fromtimestamp(at, dt.timezone.utc).isoformat() if at else ""})
    return turns[-limit:]


class HandoffStore:
    """Tickets: create, list, show, close, and the answers staff gave as drafts for the knowledge files."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        HandoffBase.metadata.create_all(engine)

    def create(self, *, channel: str, sender_id: str, name: str, email: str, question: str,
               transcript: Sequence[dict[str, Any]], phone: str = "", urgent: bool = False,
               now: dt.datetime | None = None) -> Ticket:
        """Store a new open ticket with a short unguessable reference."""
        ticket = Ticket(reference=f"H-{secrets.token_hex(3).upper()}", created_at=now or _now(), urgent=urgent,
                        channel=channel[:32], sender_id=sender_id[:128], name=name[:LIMITS["name"]],
                        email=email[:LIMITS["email"]], phone=phone[:LIMITS["phone"]],
                        question=question[:LIMITS["question"]], transcript=json.dumps(list(transcript)))
        with self._sessions.begin() as session:
            session.add(ticket)
        return ticket

    def list(self, status: str | None = None, since: dt.datetime | None = None) -> list[Ticket]:
        """Tickets (of one status, created since a time), urgent first, then oldest first."""
        stmt = select(Ticket).order_by(Ticket.urgent.desc(), Ticket.created_at)
        if status:
            stmt = stmt.where(Ticket.status == status)
        if since:
            stmt = stmt.where(Ticket.created_at >= since.astimezone(dt.timezone.utc))
        with self._sessions() as session:
            return list(session.scalars(stmt))

    def get(self, key: str) -> Ticket | None:
        """A ticket by reference (H-1A2B3C) or number."""
        with self._sessions() as session:
            return session.scalars(_by_key(key)).first()

    def close(self, key: str, answer: str, now: dt.datetime | None = None) -> Ticket | None:
        """Close a ticket with the answer staff gave; None when there is no such ticket."""
        with self._sessions.begin() as session:
            ticket = session.scalars(_by_key(key)).first()
            if ticket is None:
                return None
            ticket.status, ticket.answer, ticket.closed_at = "closed", answer.strip(), now or _now()
            return ticket

    def record_notification(self, ticket: Ticket, error: str = "") -> None:
        """Remember whether staff were told."""
        with self._sessions.begin() as session:
            stored = session.get(Ticket, ticket.id)
            stored.notified, stored.notify_error = not error, error[:300]

    def drafts(self) -> list[dict[str, str]]:
        """Closed tickets' questions and answers, ready to become entries of knowledge/answers.yml."""
        return [{"question": t.question, "answer": t.answer, "reference": t.reference,
                 "closed": t.closed_at.date().isoformat() if t.closed_at else ""}
                for t in self.list("closed") if t.answer]


def notify_staff(ticket: Ticket, *, token: str | None = None, channel: str | None = None,
                 api_url: str | None = None, timeout: float = 10) -> str:
    """Post the ticket to the staff Slack channel; returns '' on success or the reason it failed."""
    # Staff may sit in another workspace than the students' Slack: HANDOFF_SLACK_TOKEN, else the bot's token.
    if token is None:
        token = os.environ.get("HANDOFF_SLACK_TOKEN") or os.environ.get("SLACK_BOT_TOKEN", "")
    channel = channel if channel is not None else os.environ.get("HANDOFF_SLACK_CHANNEL", "")
    if not token or not channel:
        return "staff Slack channel not configured (HANDOFF_SLACK_CHANNEL, HANDOFF_SLACK_TOKEN or SLACK_BOT_TOKEN)"
    base = (api_url or os.environ.get("SLACK_API_URL") or "https://slack.com/api/").rstrip("/") + "/"
    lines = [f"{'URGENT ' if ticket.urgent else ''}Handoff {ticket.reference} from {ticket.channel}",
             f"Contact: {ticket.name or '(no name)'}, email {ticket.email or '-'}, phone {ticket.phone or '-'}",
             f"Question: {ticket.question or '(not given; see the transcript)'}", "Transcript:"]
    lines += [f"> {turn.get('from', '?')}: {turn.get('text', '')}" for turn in json.loads(ticket.transcript)[-20:]]
    try:
        response = requests.post(base + "chat.postMessage", timeout=timeout,
                                 headers={"Authorization": f"Bearer {token}"},
                                 json={"channel": channel, "text": "\n".join(lines)})
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
    except (requests.RequestException, ValueError) as exc:
        logger.warning("Could not notify staff about %s: %s", ticket.reference, exc)
        return f"Slack unreachable: {type(exc).__name__}"
    if response.status_code != 200 or not body.get("ok"):
        return f"Slack refused the message: {body.get('error') or response.status_code}"
    return ""


@functools.lru_cache(maxsize=1)
def default_handoffs() -> HandoffStore:
    """The process's ticket store, opened on first use (the actions share it)."""
    return open_handoffs()


def open_handoffs(url: str | None = None) -> HandoffStore:
    """The handoff store at HANDOFF_DB_URL (default var/handoffs.db)."""
    from bot.config import PROJECT_ROOT
    from bot.knowledge.store import make_engine

    return HandoffStore(make_engine(url or os.environ.get("HANDOFF_DB_URL",
                                                          f"sqlite:///{PROJECT_ROOT / 'var' / 'handoffs.db'}")))


def _by_key(key: str) -> Any:
    key = key.strip()
    return select(Ticket).where(Ticket.id == int(key) if key.isdigit() else Ticket.reference == key.upper())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
