"""Handoff tickets: what the assistant could not answer, passed to staff with everything they need.

Tickets live in their own database (``Settings.handoff_db_url``), apart from the knowledge tables, so
rebuilding the knowledge never touches them. A ticket is committed before staff are notified: a failed
notification is recorded on the ticket and never loses it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import secrets
from typing import Any, NamedTuple, Sequence

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Text, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base, sessionmaker

from bot.database import Migrations, make_engine
from bot.handoffs.form_fields import LIMITS
from bot.text import printable, printable_lines

HandoffBase = declarative_base()
STATUSES = ("open", "answered", "closed")
NOTIFY_ERROR_MAX = 300
DELIVERY_MAX = 500
# The longest answer a student can be sent: Slack shows at most 4,000 characters of a message in full, and
# the widget and email take the same so that every channel gets the whole answer.
ANSWER_MAX = 4000


class Ticket(HandoffBase):
    """One question handed to staff. ``phone`` is kept in E.164; ``transcript`` is a JSON list of turns."""

    __tablename__ = "handoff_tickets"
    __table_args__ = (Index("ix_handoff_tickets_staff_post", "staff_channel", "staff_ts"),)
    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    status = Column(String(8), nullable=False, default="open")
    urgent = Column(Boolean, nullable=False, default=False)
    channel = Column(String(32), nullable=False, default="")
    sender_id = Column(String(128), nullable=False, default="", index=True)
    name = Column(String(LIMITS["name"]), nullable=False, default="")
    email = Column(String(LIMITS["email"]), nullable=False, default="")
    phone = Column(String(LIMITS["phone"]), nullable=False, default="")
    question = Column(Text, nullable=False, default="")
    transcript = Column(Text, nullable=False, default="[]")
    answer = Column(Text, nullable=False, default="")
    closed_at = Column(DateTime(timezone=True))
    notified = Column(Boolean, nullable=False, default=False)
    notify_error = Column(String(NOTIFY_ERROR_MAX), nullable=False, default="")
    # The staff post in Slack (its channel and ts): replies in its thread answer the ticket.
    staff_channel = Column(String(64), nullable=False, default="")
    staff_ts = Column(String(64), nullable=False, default="")
    answered_at = Column(DateTime(timezone=True))
    answered_by = Column(String(64), nullable=False, default="")
    # How the answer reached the student, one line per way ("email: sent", "slack: refused ...").
    delivery = Column(String(DELIVERY_MAX), nullable=False, default="")
    reminded_at = Column(DateTime(timezone=True))

    def turns(self) -> list[dict[str, str]]:
        """The transcript: the conversation's messages, oldest first."""
        return list(json.loads(self.transcript or "[]"))

    def as_dict(self, transcript: bool = False) -> dict[str, Any]:
        """The ticket as plain JSON-ready data for staff tools, with its transcript when asked."""
        data: dict[str, Any] = {
            "reference": self.reference, "id": self.id, "status": self.status, "urgent": self.urgent,
            "created_at": self.created_at.isoformat(), "channel": self.channel, "name": self.name,
            "email": self.email, "phone": self.phone, "question": self.question, "answer": self.answer,
            "staff_notified": self.notified, "notify_error": self.notify_error,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "answered_by": self.answered_by, "delivery": self.delivery}
        if transcript:
            data["transcript"] = self.turns()
        return data


# The ticket database's migrations, in bot/handoffs/migrations/versions/.
SCHEMA = Migrations(
    name="handoffs", metadata=HandoffBase.metadata,
    remedy="Run the version of the assistant that made it: tickets cannot be rebuilt from files, so this one "
           "leaves the database as it is.")


class TicketLimit(Exception):
    """A conversation asked for more tickets than staff should receive from one sender."""


# Floods: one conversation gets at most this many tickets an hour, and a crisis repeated within the
# window joins the urgent ticket already open instead of paging staff again.
MAX_TICKETS_PER_HOUR = 3
URGENT_REPEAT_WINDOW = dt.timedelta(minutes=30)


class Answered(NamedTuple):
    """What answering a ticket did: the ticket (None when unknown), and whether this call answered it.

    ``won`` is False when the ticket was no longer open: another replica (a Slack retry), an earlier
    reply or a close got there first, and nothing is to be delivered again.
    """

    ticket: Ticket | None
    won: bool


class HandoffStore:
    """Tickets: create, list, show, answer, close, and the answers staff gave as drafts for the knowledge files."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        SCHEMA.upgrade(engine)  # creates the table, or upgrades an older one in place

    def create(self, *, channel: str, sender_id: str, name: str, email: str, question: str,
               transcript: Sequence[dict[str, Any]], phone: str = "", urgent: bool = False,
               now: dt.datetime | None = None) -> Ticket:
        """Store a new open ticket with a short unguessable reference."""
        # Whatever channel the text came through, staff tools print it: no control or format characters.
        turns = [{**turn, "text": printable_lines(str(turn.get("text", "")))} for turn in transcript]
        ticket = Ticket(reference=f"H-{secrets.token_hex(3).upper()}", created_at=now or _now(), urgent=urgent,
                        channel=printable(channel)[:32], sender_id=printable(sender_id)[:128],
                        name=printable(name)[:LIMITS["name"]], email=printable(email)[:LIMITS["email"]],
                        phone=phone[:LIMITS["phone"]], question=printable_lines(question)[:LIMITS["question"]],
                        transcript=json.dumps(turns))
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

    def from_sender(self, sender_id: str, since: dt.datetime) -> list[Ticket]:
        """The tickets one conversation created since ``since``, newest first."""
        stmt = (select(Ticket).where(Ticket.sender_id == sender_id[:128],
                                     Ticket.created_at >= since.astimezone(dt.timezone.utc))
                .order_by(Ticket.created_at.desc()))
        with self._sessions() as session:
            return list(session.scalars(stmt))

    def get(self, key: str) -> Ticket | None:
        """A ticket by reference (H-1A2B3C) or number."""
        with self._sessions() as session:
            return session.scalars(_by_key(key)).first()

    def close(self, key: str, answer: str = "", now: dt.datetime | None = None) -> Ticket | None:
        """Close a ticket; None when there is no such ticket.

        ``answer``: what staff told the student outside the assistant, if anything (an earlier answer is kept).
        """
        with self._sessions.begin() as session:
            ticket = session.scalars(_by_key(key)).first()
            if ticket is None:
                return None
            ticket.status, ticket.closed_at = "closed", now or _now()
            if answer.strip():
                ticket.answer = answer.strip()
            return ticket

    def answer(self, key: str, answer: str, by: str, now: dt.datetime | None = None) -> Answered:
        """Answer an open ticket, once: the one conditional update that decides who delivers the answer.

        Two replicas handling the same Slack event (Slack retries one that was slow) both call this; the
        database lets one of them move the ticket from open to answered.
        """
        now = now or _now()
        with self._sessions.begin() as session:
            ticket = session.scalars(_by_key(key)).first()
            if ticket is None:
                return Answered(None, False)
            won = session.execute(
                update(Ticket).where(Ticket.id == ticket.id, Ticket.status == "open")
                .values(status="answered", answer=answer.strip(), answered_at=now, closed_at=now,
                        answered_by=by[:64]).execution_options(synchronize_session=False)).rowcount == 1
        return Answered(self.get(str(ticket.id)), won)

    def reopen(self, key: str) -> Ticket | None:
        """Open a closed or answered ticket again (its answer kept until a new one replaces it)."""
        with self._sessions.begin() as session:
            ticket = session.scalars(_by_key(key)).first()
            if ticket is not None:
                ticket.status, ticket.closed_at = "open", None
            return ticket

    def by_staff_post(self, channel: str, ts: str) -> Ticket | None:
        """The ticket whose staff post is message ``ts`` in ``channel`` (a thread's parent)."""
        with self._sessions() as session:
            return session.scalars(select(Ticket).where(Ticket.staff_channel == channel[:64],
                                                        Ticket.staff_ts == ts[:64])).first()

    def of_conversation(self, sender_id: str) -> list[Ticket]:
        """Every ticket one conversation created, newest first."""
        stmt = select(Ticket).where(Ticket.sender_id == sender_id[:128]).order_by(Ticket.created_at.desc())
        with self._sessions() as session:
            return list(session.scalars(stmt))

    def record_notification(self, ticket: Ticket, error: str | None = None) -> None:
        """Remember whether staff were told (``error`` is None when they were, else why not) and where."""
        with self._sessions.begin() as session:
            stored = session.get(Ticket, ticket.id)
            stored.notified, stored.notify_error = error is None, (error or "")[:NOTIFY_ERROR_MAX]
            stored.staff_channel, stored.staff_ts = (ticket.staff_channel or "")[:64], (ticket.staff_ts or "")[:64]

    def record_delivery(self, ticket: Ticket, lines: Sequence[str]) -> None:
        """Remember how the answer reached the student (or why it did not)."""
        with self._sessions.begin() as session:
            session.get(Ticket, ticket.id).delivery = "; ".join(lines)[:DELIVERY_MAX]

    def claim_reminder(self, ticket: Ticket, now: dt.datetime) -> bool:
        """True for the one caller that may remind staff of this open ticket (never twice, on any replica)."""
        with self._sessions.begin() as session:
            return session.execute(
                update(Ticket).where(Ticket.id == ticket.id, Ticket.status == "open", Ticket.reminded_at.is_(None))
                .values(reminded_at=now).execution_options(synchronize_session=False)).rowcount == 1

    def urgent_since(self, start: dt.datetime, before: Ticket) -> int:
        """How many urgent tickets were stored from ``start`` up to (not including) ``before``."""
        stmt = (select(func.count()).select_from(Ticket)
                .where(Ticket.urgent.is_(True), Ticket.id < before.id,
                       Ticket.created_at >= start.astimezone(dt.timezone.utc)))
        with self._sessions() as session:
            return session.scalar(stmt) or 0

    def claim(self, marked: str) -> list[Ticket]:
        """The tickets whose notify_error is ``marked``, taken by this caller alone (another gets none of them)."""
        claim = f"claimed {secrets.token_hex(8)}"
        with self._sessions.begin() as session:
            session.execute(update(Ticket).where(Ticket.notify_error == marked).values(notify_error=claim))
        with self._sessions() as session:
            return list(session.scalars(select(Ticket).where(Ticket.notify_error == claim).order_by(Ticket.id)))

    def drafts(self) -> list[dict[str, str]]:
        """Closed tickets' questions and answers, ready to become entries of knowledge/answers.yml."""
        return [{"question": t.question, "answer": t.answer, "reference": t.reference,
                 "closed": t.closed_at.date().isoformat() if t.closed_at else ""}
                for t in self.list() if t.status != "open" and t.answer]


def open_handoffs(url: str) -> HandoffStore:
    """The handoff store at the SQLAlchemy ``url`` (``Settings.handoff_db_url``)."""
    return HandoffStore(make_engine(url))


@functools.lru_cache(maxsize=4)
def default_handoffs(url: str) -> HandoffStore:
    """The process's ticket store at ``url``, opened on first use (the actions share it)."""
    return open_handoffs(url)


def _by_key(key: str) -> Any:
    key = key.strip()
    return select(Ticket).where(Ticket.id == int(key) if key.isdigit() else Ticket.reference == key.upper())


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored time in UTC (SQLite hands stored UTC times back without their zone)."""
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
