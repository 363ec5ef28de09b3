"""Conversations in Rasa's SQL tracker store: which have expired, and deleting them whole.

A conversation (all events of one ``sender_id``) expires when its *last* event is older than the
cutoff; it is then deleted entirely, never in part, so a conversation still going keeps its history.
The ``events`` table is Rasa 3.6's (``SQLTrackerStore``); it is written with SQLAlchemy Core, in
batches of conversations, one transaction each, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from sqlalchemy import column, delete, func, inspect, select, table
from sqlalchemy.engine import URL, Engine

EVENTS = table("events", column("id"), column("sender_id"), column("timestamp"))
BATCH = 200  # conversations per transaction: short locks, bounded IN lists


class TrackerStoreError(Exception):
    """endpoints.yml has no tracker store this command can purge."""


@dataclass(frozen=True)
class ConversationCount:
    """Conversations (and their events) past the cutoff, and those kept."""

    expired: int
    events: int
    kept: int


def tracker_store_url(endpoints: Path) -> URL | str:
    """The SQLAlchemy URL of the SQL tracker store configured in ``endpoints`` (read as Rasa reads it)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.core.utils import AvailableEndpoints

    if not endpoints.is_file():
        raise TrackerStoreError(f"there is no endpoints file {endpoints}")
    config = AvailableEndpoints.read_endpoints(str(endpoints)).tracker_store
    if config is None:
        raise TrackerStoreError(f"{endpoints} has no tracker_store: Rasa keeps conversations in memory only")
    if not is_sql_store(config.type or ""):
        raise TrackerStoreError(f"the tracker store in {endpoints} is {config.type!r}; only SQL can be purged")
    options = config.kwargs
    # Connect to the conversations' database itself, not to ``login_db`` (Rasa's way in to create it).
    return SQLTrackerStore.get_db_url(options.get("dialect", "sqlite"), config.url, options.get("port"),
                                      options.get("db", "rasa.db"), options.get("username"),
                                      options.get("password"), None, options.get("query"))


def is_sql_store(kind: str) -> bool:
    """Whether an endpoints file's ``tracker_store.type`` is Rasa's SQL store: ``sql``, or any subclass by path.

    Production names ``bot.cluster.stores.DurableSQLTrackerStore``: what counts is what the class is, not its name.
    """
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.utils.common import class_from_module_path

    if kind.lower() == "sql":
        return True
    if "." not in kind:
        return False  # redis, mongod, dynamo, in_memory: Rasa's other stores
    try:
        found = class_from_module_path(kind)
    except (ImportError, AttributeError):
        return False
    return isinstance(found, type) and issubclass(found, SQLTrackerStore)


def count(engine: Engine, cutoff: dt.datetime) -> ConversationCount:
    """How many conversations ended before ``cutoff``, with how many events, and how many are kept."""
    if not inspect(engine).has_table("events"):
        return ConversationCount(0, 0, 0)
    last = _last_events().subquery()
    with engine.connect() as conn:
        expired = conn.execute(select(func.count(), func.coalesce(func.sum(last.c.events), 0))
                               .where(last.c.last < cutoff.timestamp())).one()
        kept = conn.scalar(select(func.count()).select_from(last).where(last.c.last >= cutoff.timestamp()))
    return ConversationCount(expired[0], int(expired[1]), kept or 0)


def purge(engine: Engine, cutoff: dt.datetime, batch: int = BATCH) -> tuple[int, int]:
    """Delete every conversation whose last event is before ``cutoff``; returns (conversations, events)."""
    if not inspect(engine).has_table("events"):
        return 0, 0
    conversations = events = 0
    for senders in _expired_senders(engine, cutoff, batch):
        with engine.begin() as conn:
            # Checked again inside the transaction: a conversation that came back to life since the
            # list was read keeps every event.
            active = select(EVENTS.c.sender_id).where(EVENTS.c.sender_id.in_(senders),
                                                      EVENTS.c.timestamp >= cutoff.timestamp())
            gone = conn.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(senders),
                                                     EVENTS.c.sender_id.not_in(active)))
            left = set(conn.scalars(select(EVENTS.c.sender_id).distinct().where(EVENTS.c.sender_id.in_(senders))))
        conversations += len(set(senders) - left)
        events += gone.rowcount
    return conversations, events


def _last_events():  # type: ignore[no-untyped-def]
    return (select(EVENTS.c.sender_id, func.max(EVENTS.c.timestamp).label("last"), func.count().label("events"))
            .group_by(EVENTS.c.sender_id))


def _expired_senders(engine: Engine, cutoff: dt.datetime, batch: int) -> Iterator[Sequence[str]]:
    last = _last_events().subquery()
    with engine.connect() as conn:
        senders = list(conn.scalars(select(last.c.sender_id).where(last.c.last < cutoff.timestamp())
                                    .order_by(last.c.sender_id)))
    for start in range(0, len(senders), batch):
        yield senders[start:start + batch]
