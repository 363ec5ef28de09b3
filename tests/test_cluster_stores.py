"""The shared stores of the cluster: a tracker store that survives a database restart, a lock store that
survives Redis going away, and the production endpoints file that names them."""

from __future__ import annotations

import asyncio
import secrets

import pytest
import sqlalchemy as sa
from rasa.core.lock_store import LockError, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import database
from bot.cluster import stores
from bot.config import PROJECT_ROOT
from tests.conftest import free_port, require_service
from tools import local_cluster

DOMAIN = Domain.empty()
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def conversation(sender: str, *texts: str) -> DialogueStateTracker:
    events = []
    for text in texts:
        events += [UserUttered(text), BotUttered(f"answer to {text}")]
    return DialogueStateTracker.from_events(sender, events)


def user_texts(tracker: DialogueStateTracker | None) -> list[str]:
    assert tracker is not None
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


# ------------------------------------------------------------ tracker store


@pytest.fixture
def sqlite_store(tmp_path) -> stores.DurableSQLTrackerStore:
    return stores.DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))


def test_a_turn_is_retried_while_the_database_is_unreachable(sqlite_store, monkeypatch):
    run(sqlite_store.save(conversation("student-1", "how long is the MLS?")))
    failures = iter([sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection")),
                     sa.exc.OperationalError("SELECT", {}, Exception("connection refused"))])
    real = SQLTrackerStore._retrieve

    async def flaky(self, sender_id, fetch_events_from_all_sessions):  # type: ignore[no-untyped-def]
        error = next(failures, None)
        if error:
            raise error
        return await real(self, sender_id, fetch_events_from_all_sessions)

    monkeypatch.setattr(SQLTrackerStore, "_retrieve", flaky)
    monkeypatch.setattr(database, "FIRST_PAUSE_SECONDS", 0.01)
    assert user_texts(run(sqlite_store.retrieve("student-1"))) == ["how long is the MLS?"]


def test_a_save_retried_stores_each_event_once(sqlite_store, monkeypatch):
    calls = {"n": 0}
    real = SQLTrackerStore.save

    async def flaky(self, tracker):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise sa.exc.OperationalError("INSERT", {}, Exception("the database system is shutting down"))
        return await real(self, tracker)

    monkeypatch.setattr(SQLTrackerStore, "save", flaky)
    monkeypatch.setattr(database, "FIRST_PAUSE_SECONDS", 0.01)
    run(sqlite_store.save(conversation("student-2", "hi", "field study?")))
    assert user_texts(run(sqlite_store.retrieve("student-2"))) == ["hi", "field study?"]


def test_a_bad_query_is_not_retried(sqlite_store, monkeypatch):
    async def broken(self, sender_id, fetch_events_from_all_sessions):  # type: ignore[no-untyped-def]
        raise sa.exc.ProgrammingError("SELECT", {}, Exception("no such column"))

    monkeypatch.setattr(SQLTrackerStore, "_retrieve", broken)
    with pytest.raises(sa.exc.ProgrammingError):
        run(sqlite_store.retrieve("student-3"))


def test_the_retry_window_ends(sqlite_store, monkeypatch):
    async def down(self, sender_id, fetch_events_from_all_sessions):  # type: ignore[no-untyped-def]
        raise sa.exc.OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(SQLTrackerStore, "_retrieve", down)
    monkeypatch.setattr(database, "FIRST_PAUSE_SECONDS", 0.01)
    sqlite_store.retry_seconds = 0.1
    with pytest.raises(sa.exc.OperationalError):
        run(sqlite_store.retrieve("student-4"))


def test_the_single_servers_sqlite_store_keeps_a_write_ahead_log_and_its_connection(sqlite_store, tmp_path):
    run(sqlite_store.save(conversation("student-5", "how long is the MLS?")))
    with sqlite_store.engine.connect() as db:
        assert db.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert db.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    assert sqlite_store.engine.pool.checkedin() == 1  # kept for the next turn, not closed
    # Another process's reader (the staff report, the purge job) sees every committed turn.
    run(sqlite_store.save(conversation("student-5", "how long is the MLS?", "and the MIM?")))
    reader = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    with reader.connect() as db:
        texts = db.exec_driver_sql("SELECT count(*) FROM events WHERE sender_id = 'student-5'").scalar()
    reader.dispose()
    assert texts == 4
    assert user_texts(run(stores.DurableSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "tracker.db"))
                          .retrieve("student-5"))) == ["how long is the MLS?", "and the MIM?"]


def test_the_single_server_uses_the_durable_store():
    from rasa.core.utils import AvailableEndpoints

    config = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "endpoints.yml")).tracker_store
    assert config.type == "bot.cluster.stores.DurableSQLTrackerStore"
    assert config.kwargs["dialect"] == "sqlite"


@pytest.fixture
def postgres_database():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = f"ischool_test_tracker_{secrets.token_hex(4)}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as db:
        db.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield name, admin
    with admin.connect() as db:
        db.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def drop_connections(admin: sa.engine.Engine, database: str) -> None:
    """What a PostgreSQL restart does to every pooled connection."""
    with admin.connect() as db:
        db.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                   {"n": database})


@pytest.mark.postgres
def test_conversations_survive_a_postgres_restart(postgres_database):
    name, admin = postgres_database
    options = {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "db": name, "username": "postgres"}
    durable, stock = stores.DurableSQLTrackerStore(DOMAIN, **options), SQLTrackerStore(DOMAIN, **options)
    run(durable.save(conversation("student-5", "do I need to visit campus?")))
    assert user_texts(run(stock.retrieve("student-5"))) == ["do I need to visit campus?"]
    drop_connections(admin, name)
    # Rasa's own store fails on its dead pooled connection (and Rasa would start the conversation anew)...
    with pytest.raises(sa.exc.OperationalError):
        run(stock.retrieve("student-5"))
    # ...this one reconnects.
    assert user_texts(run(durable.retrieve("student-5"))) == ["do I need to visit campus?"]
    tracker = conversation("student-5", "do I need to visit campus?", "and for the MIM?")
    drop_connections(admin, name)
    run(durable.save(tracker))
    assert user_texts(run(durable.retrieve("student-5"))) == ["do I need to visit campus?", "and for the MIM?"]
    durable.engine.dispose()
    stock.engine.dispose()


# ------------------------------------------------------------ lock store


def unreachable_redis(**options) -> dict:  # type: ignore[no-untyped-def]
    return {"host": "127.0.0.1", "port": free_port(), "socket_timeout": 0.5, **options}


def test_turns_still_run_when_redis_is_unreachable():
    async def scenario() -> None:
        async with stores.ResilientRedisLockStore(**unreachable_redis()).lock("rest:student-6") as held:
            assert held.conversation_id == "rest:student-6"

    run(scenario())


def test_rasas_redis_lock_store_fails_every_turn_without_redis():
    async def scenario() -> None:
        async with RedisLockStore(**unreachable_redis()).lock("rest:student-6"):
            pass

    with pytest.raises(LockError):
        run(scenario())


def test_without_redis_one_conversations_turns_still_wait_for_each_other():
    store = stores.ResilientRedisLockStore(**unreachable_redis())
    order: list[str] = []

    async def turn(name: str, pause: float) -> None:
        async with store.lock("rest:student-7", wait_time_in_seconds=0.01):
            order.append(f"{name} starts")
            await asyncio.sleep(pause)
            order.append(f"{name} ends")

    async def scenario() -> None:
        first = asyncio.ensure_future(turn("first", 0.2))
        await asyncio.sleep(0.05)
        await asyncio.gather(first, turn("second", 0))

    run(scenario())
    assert order == ["first starts", "first ends", "second starts", "second ends"]


@pytest.fixture
def redis_client():
    require_service("Redis", "127.0.0.1", 6379)
    import redis

    client = redis.StrictRedis(host="127.0.0.1", port=6379, db=1)
    yield client
    client.close()


def test_locks_live_in_redis_under_the_key_prefix(redis_client):
    store = LockStore.create(EndpointConfig(url="127.0.0.1", type="bot.cluster.stores.ResilientRedisLockStore",
                                            port=6379, db=1, key_prefix="ischooltest", socket_timeout=2))
    assert isinstance(store, stores.ResilientRedisLockStore)
    sender = f"rest:student-{secrets.token_hex(4)}"

    async def scenario() -> list[bytes]:
        async with store.lock(sender):
            return redis_client.keys(f"ischooltest:lock:{sender}")

    assert run(scenario()) == [f"ischooltest:lock:{sender}".encode()]
    assert redis_client.keys(f"ischooltest:lock:{sender}") == []  # released


def test_redis_going_away_during_a_turn_does_not_fail_it(redis_client, monkeypatch):
    import redis

    store = stores.ResilientRedisLockStore(host="127.0.0.1", port=6379, db=1, key_prefix="ischooltest")

    def gone(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise redis.exceptions.ConnectionError("Connection refused")

    async def scenario() -> None:
        async with store.lock(f"rest:student-{secrets.token_hex(4)}"):
            monkeypatch.setattr(store.red, "get", gone)  # Redis stops while the turn runs

    run(scenario())


# ------------------------------------------------------------ the production endpoints file


def test_the_production_endpoints_name_the_shared_stores(monkeypatch):
    from rasa.core.utils import AvailableEndpoints

    for name, value in local_cluster.environment(local_cluster.Layout(), token="s3cret").items():
        monkeypatch.setenv(name, value)
    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "deploy" / "endpoints.yml"))
    assert endpoints.action.url == "http://127.0.0.1:5150/webhook"
    assert endpoints.action.headers == {"Authorization": "Bearer s3cret"} and endpoints.action.token is None, \
        "the secret travels in a header, never in a URL a log could print"
    assert endpoints.tracker_store.type == "bot.cluster.stores.DurableSQLTrackerStore"
    assert endpoints.tracker_store.kwargs["db"] == "ischool_tracker"
    assert endpoints.lock_store.type == "bot.cluster.stores.ResilientRedisLockStore"
    assert endpoints.lock_store.kwargs["key_prefix"] == "ischool"


def dead_holder_then_turn(store, sender: str) -> None:  # type: ignore[no-untyped-def]
    """A replica took the conversation's lock and died; the next turn's ticket expires just after its."""
    store.issue_ticket(sender, 0.3)  # never released

    async def scenario() -> None:
        async with store.lock(sender, lock_lifetime=0.35, wait_time_in_seconds=0.5):
            pass

    asyncio.run(asyncio.wait_for(scenario(), timeout=5))


def test_a_turn_after_a_replica_died_holding_the_lock_is_served(redis_client):
    store = stores.ResilientRedisLockStore(host="127.0.0.1", port=6379, db=1, key_prefix="ischooltest")
    dead_holder_then_turn(store, f"rest:student-{secrets.token_hex(4)}")


def test_rasas_lock_store_waits_forever_once_its_own_ticket_expired(redis_client):
    store = RedisLockStore(host="127.0.0.1", port=6379, db=1, key_prefix="ischooltest")
    with pytest.raises(asyncio.TimeoutError):
        dead_holder_then_turn(store, f"rest:student-{secrets.token_hex(4)}")
