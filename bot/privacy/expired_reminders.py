"""Session reminders past their retention window: deleted once their session is older than the window.

A reminder holds an email address; whatever its state (sent, cancelled, missed, failed), it is of no use
after its session, so its age counts from the session's start.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, inspect, select
from sqlalchemy.engine import Engine

from bot.reminders.store import Reminder


def count(engine: Engine, cutoff: dt.datetime) -> int:
    """How many reminders :func:`purge` would delete."""
    if not inspect(engine).has_table(Reminder.__tablename__):
        return 0
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).where(_expired(cutoff))) or 0)


def purge(engine: Engine, cutoff: dt.datetime) -> int:
    """Delete the reminders of sessions that started before ``cutoff``; how many were deleted."""
    if not inspect(engine).has_table(Reminder.__tablename__):
        return 0
    with engine.begin() as conn:
        return int(conn.execute(delete(Reminder).where(_expired(cutoff))
                                .execution_options(synchronize_session=False)).rowcount)


def _expired(cutoff: dt.datetime):  # type: ignore[no-untyped-def]
    return Reminder.starts_at < cutoff.astimezone(dt.timezone.utc)
