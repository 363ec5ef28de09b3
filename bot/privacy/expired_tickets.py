"""Handoff tickets past their retention window: closed ones are deleted, open ones only reported.

A closed ticket's age counts from its closing (from its creation when that is missing); urgent
(crisis) tickets have a window of their own. Tickets hold names, emails, phones, questions and
transcripts, so nothing of them is printed but references.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, delete, func, inspect, or_, select
from sqlalchemy.engine import Engine

from bot.handoffs.tickets import Ticket

BATCH = 500  # tickets per transaction


@dataclass(frozen=True)
class TicketCount:
    """Closed tickets past their window (of which urgent), and open ones past it, which are kept."""

    expired: int
    urgent: int
    open_past_window: tuple[str, ...]


def count(engine: Engine, cutoff: dt.datetime, urgent_cutoff: dt.datetime) -> TicketCount:
    """What :func:`purge` would delete, and the open tickets older than the window."""
    if not inspect(engine).has_table(Ticket.__tablename__):
        return TicketCount(0, 0, ())
    with engine.connect() as conn:
        expired, urgent = conn.execute(select(func.count(), func.count().filter(Ticket.urgent))
                                       .where(_expired(cutoff, urgent_cutoff))).one()
        stale_open = conn.scalars(select(Ticket.reference).where(
            Ticket.status == "open", _past(Ticket.created_at, cutoff, urgent_cutoff)).order_by(Ticket.created_at))
        return TicketCount(expired, urgent, tuple(stale_open))


def purge(engine: Engine, cutoff: dt.datetime, urgent_cutoff: dt.datetime, batch: int = BATCH) -> int:
    """Delete answered and closed tickets past their window, in batches; returns how many were deleted."""
    if not inspect(engine).has_table(Ticket.__tablename__):
        return 0
    deleted = 0
    while True:
        with engine.begin() as conn:
            ids = list(conn.scalars(select(Ticket.id).where(_expired(cutoff, urgent_cutoff)).limit(batch)))
            if not ids:
                return deleted
            # The condition again: a ticket reopened meanwhile is not deleted.
            deleted += conn.execute(delete(Ticket).where(Ticket.id.in_(ids), _expired(cutoff, urgent_cutoff))
                                    .execution_options(synchronize_session=False)).rowcount


def _expired(cutoff: dt.datetime, urgent_cutoff: dt.datetime):  # type: ignore[no-untyped-def]
    return and_(Ticket.status.in_(("answered", "closed")),
                _past(func.coalesce(Ticket.closed_at, Ticket.created_at), cutoff, urgent_cutoff))


def _past(moment, cutoff: dt.datetime, urgent_cutoff: dt.datetime):  # type: ignore[no-untyped-def]
    """``moment`` is before the window of the ticket's kind."""
    return or_(and_(Ticket.urgent.is_(False), moment < _utc(cutoff)),
               and_(Ticket.urgent.is_(True), moment < _utc(urgent_cutoff)))


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc)
