"""Rasa's SQL tracker store and Redis lock store, made to ride out a database restart and a Redis outage.

Two replicas share the conversations through these stores; ``deploy/endpoints.yml`` names them.

- :class:`DurableSQLTrackerStore`: Rasa wraps every tracker store in ``FailSafeTrackerStore``, which
  turns any error into "no tracker" (a new conversation is started, its context lost) and saves the
  turn in the replica's memory instead (lost from the database). The stock ``SQLTrackerStore`` also
  keeps pooled connections that a PostgreSQL restart has closed, so the first turn after a restart
  fails that way. This store checks connections before use and retries a turn's reads and writes
  while the database is unreachable (up to ``retry_seconds`` of endpoints.yml, 30 by default), so the wrapper never
  sees the error of a restart. It is also the single server's store (endpoints.yml), on SQLite: there it
  keeps its connections open and writes through a write-ahead log with ``synchronous=NORMAL``, the setting
  SQLite documents for WAL (a commit no longer waits for two fsyncs of a rollback journal; after a power cut,
  not a crash of the server, the last turns may be missing, never half-written).
- :class:`ResilientRedisLockStore`: with Redis stopped, the stock ``RedisLockStore`` fails every
  turn (``LockError``). This one serialises turns per conversation in the replica's own memory until
  Redis answers again. Students send one message at a time, so the turns of one conversation rarely
  overlap across replicas during the outage; the alternative is that nobody gets an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, AsyncGenerator, Optional, Text

import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.database import retrying

logger = logging.getLogger(__name__)

DEFAULT_RETRY_SECONDS = 30.0


class DurableSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose connections survive a database restart (see the module docstring)."""

    def __init__(self, *args: Any, retry_seconds: float = DEFAULT_RETRY_SECONDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = _engine(url)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.retry_seconds = float(retry_seconds)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await retrying(lambda: super(DurableSQLTrackerStore, self).retrieve(sender_id), "a read",
                              self.retry_seconds)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await retrying(lambda: super(DurableSQLTrackerStore, self).retrieve_full_tracker(conversation_id),
                              "a read", self.retry_seconds)

    async def save(self, tracker: DialogueStateTracker) -> None:
        # One transaction per attempt: a failed attempt wrote nothing, so trying again adds each event once.
        await retrying(lambda: super(DurableSQLTrackerStore, self).save(tracker), "a write", self.retry_seconds)


def _engine(url: sa.engine.URL) -> sa.engine.Engine:
    """Rasa's engine, with pre-ping; on SQLite, kept connections in WAL mode instead.

    After a database restart, pooled connections fail on first use: pre-ping replaces them. A SQLite file has
    no restart, and SQLAlchemy 1.4 would open a new connection for every session of every turn.
    """
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
    engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers (the focus query, the staff report) never block a write
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")  # another process writing (the purge job): wait, do not fail
    cursor.close()


def _redis_unreachable(error: BaseException) -> bool:
    import redis

    seen: Optional[BaseException] = error
    while seen is not None:
        if isinstance(seen, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class ResilientRedisLockStore(RedisLockStore):
    """``RedisLockStore`` that keeps answering while Redis is down (see the module docstring).

    endpoints.yml: ``lock_store: {type: bot.cluster.stores.ResilientRedisLockStore, url, port, db,
    key_prefix, socket_timeout}`` — the keys of Rasa's ``redis`` lock store.
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)
        self.local = InMemoryLockStore()
        self.redis_down = False  # logged once when Redis goes away, once when it is back

    @contextlib.asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        try:
            ticket = self.issue_ticket(conversation_id, lock_lifetime)
            held, ticket = await self.wait_for_turn(conversation_id, ticket, lock_lifetime, wait_time_in_seconds)
        except Exception as error:  # noqa: BLE001 - only an unreachable Redis is handled, the rest re-raised
            if not _redis_unreachable(error):
                raise
            if not self.redis_down:
                self.redis_down = True
                logger.warning("Redis lock store unreachable: each replica serialises its conversations' turns "
                               "itself until it is back")
            async with self.local.lock(conversation_id, lock_lifetime, wait_time_in_seconds) as local:
                yield local
            return
        if self.redis_down:
            self.redis_down = False
            logger.warning("Redis lock store reachable again")
        try:
            yield held
        finally:
            try:
                self.cleanup(conversation_id, ticket)
            except Exception as error:  # noqa: BLE001
                if not _redis_unreachable(error):
                    raise
                # The ticket expires by itself after its lifetime (TICKET_LOCK_LIFETIME).
                logger.info("Redis lock store unreachable: a ticket is left to expire")

    async def wait_for_turn(self, conversation_id: Text, ticket: int, lifetime: float,
                            wait_time_in_seconds: float) -> tuple[TicketLock, int]:
        """Wait until ``ticket`` is served; returns the lock and the ticket that holds it.

        Rasa's own wait never ends when the waiting ticket expires: a replica killed during a turn leaves
        its ticket to expire, the next turn's ticket expires a moment later, and once both are gone the
        lock serves "ticket 0" forever (the turn hangs until the load balancer gives up). A ticket that
        expired while waiting, or a lock another replica removed, queues again instead.
        """
        while True:
            lock = self.get_lock(conversation_id)
            if lock is not None:
                lock.remove_expired_tickets()
            if lock is None or all(t.number != ticket for t in lock.tickets):
                ticket = self.issue_ticket(conversation_id, lifetime)
                continue
            if not lock.is_locked(ticket):
                return lock, ticket
            await asyncio.sleep(wait_time_in_seconds)
            self.update_lock(conversation_id)
