"""Stored reminders, in the ticket database (``Settings.handoff_db_url``) so they outlive restarts and replicas.

A reminder is pending until a sender claims it with one conditional update (pending to sending), so two
senders running at once (two replicas, a cron job overlapping the last) send each reminder once. The
claim comes before the email: a sender that dies mid-send leaves its reminder in ``sending``, not sent twice.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Sequence

from sqlalchemy import Column, DateTime, Index, Integer, String, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from bot.database import make_engine
from bot.handoffs.form_fields import LIMITS
from bot.handoffs.tickets import SCHEMA, HandoffBase, as_utc

STATUSES = ("pending", "sending", "sent", "cancelled", "failed", "missed")
ERROR_MAX = 300
# A failed send (the mail server down) is tried again on the next runs, this many times in all.
ATTEMPTS_MAX = 3


class Reminder(HandoffBase):
    """One information session a conversation asked to be reminded of, by email, at ``send_at`` (UTC)."""

    __tablename__ = "session_reminders"
    __table_args__ = (Index("ix_session_reminders_due", "status", "send_at"),)
    id = Column(Integer, primary_key=True)
    sender_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False, default="")
    email = Column(String(LIMITS["email"]), nullable=False)
    session_uid = Column(String(16), nullable=False)
    session_title = Column(String(300), nullable=False, default="")
    starts_at = Column(DateTime(timezone=True), nullable=False)
    send_at = Column(DateTime(timezone=True), nullable=False)
    # The student's IANA time zone when known (the email gives the time in it), else the campus's.
    timezone = Column(String(64), nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False)
    status = Column(String(10), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    sent_at = Column(DateTime(timezone=True))
    error = Column(String(ERROR_MAX), nullable=False, default="")


class ReminderStore:
    """Add, cancel, claim and mark reminders; one session per unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)
        SCHEMA.upgrade(engine)

    def add(self, *, sender_id: str, channel: str, email: str, session_uid: str, session_title: str,
            starts_at: dt.datetime, send_at: dt.datetime, timezone: str, now: dt.datetime) -> Reminder:
        """Store a pending reminder; asking again for the same session updates it instead of adding a second."""
        values = dict(channel=channel[:32], email=email[:LIMITS["email"]], session_title=session_title[:300],
                      starts_at=as_utc(starts_at), send_at=as_utc(send_at), timezone=timezone[:64],
                      created_at=as_utc(now), status="pending", attempts=0, sent_at=None, error="")
        with self._sessions.begin() as session:
            found = session.scalars(select(Reminder).where(
                Reminder.sender_id == sender_id[:128], Reminder.session_uid == session_uid,
                Reminder.status.in_(("pending", "cancelled", "failed")))).first()
            if found is None:
                found = Reminder(sender_id=sender_id[:128], session_uid=session_uid)
                session.add(found)
            for name, value in values.items():
                setattr(found, name, value)
        return found

    def of_conversation(self, sender_id: str, status: str | None = None) -> list[Reminder]:
        """One conversation's reminders (of one status), soonest session first."""
        stmt = select(Reminder).where(Reminder.sender_id == sender_id[:128]).order_by(Reminder.starts_at)
        if status:
            stmt = stmt.where(Reminder.status == status)
        with self._sessions() as session:
            return list(session.scalars(stmt))

    def cancel_all(self, sender_id: str) -> int:
        """Cancel every pending reminder of one conversation; how many were cancelled."""
        with self._sessions.begin() as session:
            return int(session.execute(
                update(Reminder).where(Reminder.sender_id == sender_id[:128], Reminder.status == "pending")
                .values(status="cancelled").execution_options(synchronize_session=False)).rowcount)

    def due(self, now: dt.datetime) -> list[Reminder]:
        """Pending reminders whose time has come, oldest first."""
        stmt = (select(Reminder).where(Reminder.status == "pending", Reminder.send_at <= as_utc(now))
                .order_by(Reminder.send_at, Reminder.id))
        with self._sessions() as session:
            return list(session.scalars(stmt))

    def claim(self, reminder: Reminder) -> bool:
        """True for the one caller that may send this reminder (pending to sending, on any replica)."""
        with self._sessions.begin() as session:
            return session.execute(
                update(Reminder).where(Reminder.id == reminder.id, Reminder.status == "pending")
                .values(status="sending", attempts=Reminder.attempts + 1)
                .execution_options(synchronize_session=False)).rowcount == 1

    def finish(self, reminder: Reminder, status: str, now: dt.datetime, error: str = "") -> None:
        """Record how a claimed reminder ended: sent, missed, failed, or pending again to retry."""
        with self._sessions.begin() as session:
            stored = session.get(Reminder, reminder.id)
            stored.status, stored.error = status, error[:ERROR_MAX]
            if status == "sent":
                stored.sent_at = as_utc(now)

    def get(self, reminder_id: int) -> Reminder | None:
        """One reminder by id."""
        with self._sessions() as session:
            return session.get(Reminder, reminder_id)

    def all(self, statuses: Sequence[str] = STATUSES) -> list[Reminder]:
        """Every reminder of the given statuses, soonest to send first (for operators)."""
        stmt = select(Reminder).where(Reminder.status.in_(list(statuses))).order_by(Reminder.send_at, Reminder.id)
        with self._sessions() as session:
            return list(session.scalars(stmt))


def open_reminders(url: str) -> ReminderStore:
    """The reminder store in the ticket database at the SQLAlchemy ``url`` (``Settings.handoff_db_url``)."""
    return ReminderStore(make_engine(url))


@functools.lru_cache(maxsize=4)
def default_reminders(url: str) -> ReminderStore:
    """The process's reminder store at ``url``, opened on first use (the actions share it)."""
    return open_reminders(url)
