"""Retention: ``privacy purge`` deletes whole expired conversations and old closed tickets, nothing else."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.cli import main
from bot.config import load_settings
from bot.handoffs.tickets import open_handoffs
from tests.conftest import NOW, require_service

DAY = dt.timedelta(days=1)
PG_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def conversation(sender: str, *ages_in_days: float):
    """A tracker whose events happened ``ages_in_days`` before NOW, oldest first."""
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = []
    for age in ages_in_days:
        moment = (NOW - age * DAY).timestamp()
        events += [UserUttered("my name is Ada, ada@example.edu", timestamp=moment),
                   ActionExecuted("action_listen", timestamp=moment)]
    return DialogueStateTracker.from_events(sender, events)


def fill_tracker_store(endpoints: Path) -> None:
    """Conversations saved by Rasa's own SQLTrackerStore, from the endpoints file given."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.core.domain import Domain

    store = TrackerStore.create(AvailableEndpoints.read_endpoints(str(endpoints)).tracker_store, Domain.empty())
    for tracker in (conversation("webchat:old-one", 400, 300),  # expired: 2 turns, 4 events
                    conversation("webchat:old-two", 200),  # expired: 1 turn, 2 events
                    conversation("webchat:still-going", 400, 2),  # last message 2 days ago: kept whole
                    conversation("slack:recent", 1)):
        asyncio.run(store.save(tracker))
    store.engine.dispose()


def fill_tickets(url: str) -> dict[str, str]:
    """Tickets of every kind; returns their references by name."""
    tickets = open_handoffs(url)
    made = {}
    for name, age, closed_age, urgent in (("closed_old", 300, 200, False), ("closed_recent", 300, 10, False),
                                          ("open_old", 300, None, False), ("urgent_closed_250", 260, 250, True),
                                          ("urgent_closed_400", 420, 400, True)):
        ticket = tickets.create(channel="webchat", sender_id="webchat:x", name="Ada", email="ada@example.edu",
                                question="Can I transfer credits?", transcript=[], urgent=urgent,
                                now=NOW - age * DAY)
        if closed_age is not None:
            tickets.close(ticket.reference, "answered", now=NOW - closed_age * DAY)
        made[name] = ticket.reference
    tickets.engine.dispose()
    return made


@pytest.fixture
def stores(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'tracker.db'}\n")
    fill_tracker_store(endpoints)
    url = f"sqlite:///{tmp_path / 'handoffs.db'}"
    return endpoints, url, fill_tickets(url)


def senders(tracker_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine

    engine = create_engine(tracker_url, future=True)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all())
    engine.dispose()
    return found


def references(url: str) -> set[str]:
    return {t.reference for t in open_handoffs(url).list()}


def purge(endpoints: Path, handoff_url: str, *options: str) -> int:
    settings = load_settings({"HANDOFF_DB_URL": handoff_url})
    return main(["privacy", "purge", "--endpoints", str(endpoints), *options], settings)


@pytest.fixture
def fixed_now(monkeypatch):
    """The purge's clock at NOW, the moment the test data is aged from."""
    from bot.privacy import retention

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # noqa: ANN206 - datetime's signature
            return NOW.astimezone(tz)

    monkeypatch.setattr(retention.dt, "datetime", Clock)


def test_a_dry_run_counts_and_deletes_nothing(stores, fixed_now, capsys) -> None:
    endpoints, handoff_url, _ = stores
    tracker_url = f"sqlite:///{endpoints.parent / 'tracker.db'}"
    before_events, before_tickets = senders(tracker_url), references(handoff_url)
    assert purge(endpoints, handoff_url, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "2 would be deleted (6 events); 2 more recent kept" in out
    assert "2 would be deleted, 1 of them urgent" in out  # the urgent one closed 250 days ago waits for 365
    assert "Dry run: nothing was deleted." in out
    assert senders(tracker_url) == before_events and references(handoff_url) == before_tickets


def test_a_purge_deletes_exactly_the_expired_conversations_and_closed_tickets(stores, fixed_now, capsys) -> None:
    endpoints, handoff_url, made = stores
    assert purge(endpoints, handoff_url) == 0
    out = capsys.readouterr().out
    assert "2 deleted (6 events)" in out and "2 deleted, 1 of them urgent" in out
    assert f"Open tickets past the window, kept until staff close them (1): {made['open_old']}" in out
    # A conversation with a recent message keeps its old turns too: never half a conversation.
    assert senders(f"sqlite:///{endpoints.parent / 'tracker.db'}") == {"webchat:still-going": 4, "slack:recent": 2}
    assert references(handoff_url) == {made[n] for n in ("closed_recent", "open_old", "urgent_closed_250")}
    assert purge(endpoints, handoff_url) == 0
    assert "0 deleted (0 events)" in capsys.readouterr().out, "a second run finds nothing more"


def test_the_windows_come_from_the_settings_and_the_command_line(stores, fixed_now, capsys) -> None:
    endpoints, handoff_url, made = stores
    settings = load_settings({"HANDOFF_DB_URL": handoff_url, "RETENTION_DAYS": "500",
                              "RETENTION_URGENT_DAYS": "100"})
    assert main(["privacy", "purge", "--endpoints", str(endpoints)], settings) == 0
    assert "0 deleted (0 events)" in capsys.readouterr().out
    assert references(handoff_url) == {made[n] for n in ("closed_old", "closed_recent", "open_old")}
    assert purge(endpoints, handoff_url, "--older-than", "5") == 0  # instead of RETENTION_DAYS' 500
    assert senders(f"sqlite:///{endpoints.parent / 'tracker.db'}") == {"webchat:still-going": 4, "slack:recent": 2}
    assert references(handoff_url) == {made["open_old"]}, "open tickets are never deleted"


def test_purge_refuses_what_it_cannot_read(tmp_path, capsys) -> None:
    (tmp_path / "endpoints.yml").write_text("tracker_store:\n  type: redis\n")
    assert purge(tmp_path / "endpoints.yml", f"sqlite:///{tmp_path}/h.db") == 1
    assert "only SQL can be purged" in capsys.readouterr().err
    (tmp_path / "endpoints.yml").write_text("tracker_store:\n  type: bot.channels.rest.CheckedRestInput\n")
    assert purge(tmp_path / "endpoints.yml", f"sqlite:///{tmp_path}/h.db") == 1, "a class that is no SQL store"
    with pytest.raises(SystemExit):
        purge(tmp_path / "endpoints.yml", f"sqlite:///{tmp_path}/h.db", "--older-than", "0")
    with pytest.raises(ValueError, match="RETENTION_DAYS must be at least 1"):
        load_settings({"RETENTION_DAYS": "0"})


def test_batches_each_delete_whole_conversations(tmp_path) -> None:
    from bot.database import make_engine
    from bot.privacy import conversations

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'tracker.db'}\n")
    fill_tracker_store(endpoints)
    engine = make_engine(str(conversations.tracker_store_url(endpoints)))
    assert conversations.purge(engine, NOW - 180 * DAY, batch=1) == (2, 6)
    engine.dispose()


def test_tickets_are_purged_even_when_the_tracker_store_cannot_be(stores, fixed_now, capsys) -> None:
    endpoints, handoff_url, made = stores
    endpoints.write_text("tracker_store:\n  type: redis\n")
    assert purge(endpoints, handoff_url) == 1, "the failure still shows in the exit code (a scheduler notices)"
    captured = capsys.readouterr()
    assert "Cannot purge conversations" in captured.err and "2 deleted, 1 of them urgent" in captured.out
    assert references(handoff_url) == {made[n] for n in ("closed_recent", "open_old", "urgent_closed_250")}


def cluster_endpoints_environment(database: str) -> dict[str, str]:
    """What `make cluster` gives deploy/endpoints.yml (tools/local_cluster.py), for one test database."""
    from tools import local_cluster

    layout = local_cluster.Layout(database_suffix="_test_retention_cluster")
    env = local_cluster.environment(layout, token="unused")
    return {key: env[key] for key in ("TRACKER_DB_HOST", "TRACKER_DB_PORT", "TRACKER_DB_USER",
                                      "TRACKER_DB_PASSWORD", "ACTION_SERVER_URL", "ACTION_SERVER_TOKEN",
                                      "REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD")} | {
        "TRACKER_DB_NAME": database}


@pytest.mark.postgres
def test_purge_runs_against_the_clusters_endpoints_file_on_postgresql(fixed_now, capsys, monkeypatch) -> None:
    # deploy/endpoints.yml, as `make cluster`, compose and Helm use it: bot.cluster.stores.DurableSQLTrackerStore.
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from bot.config import PROJECT_ROOT
    from bot.database import make_engine

    admin, name = make_engine(PG_ADMIN), "ischool_test_retention_cluster"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    for key, value in cluster_endpoints_environment(name).items():
        monkeypatch.setenv(key, value)  # Rasa fills the endpoints file's ${VARIABLES} from the environment
    endpoints = PROJECT_ROOT / "deploy" / "endpoints.yml"
    try:
        fill_tracker_store(endpoints)
        handoff_url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
        made = fill_tickets(handoff_url)
        assert purge(endpoints, handoff_url) == 0, capsys.readouterr().err
        assert "2 deleted (6 events)" in capsys.readouterr().out
        assert senders(handoff_url) == {"webchat:still-going": 4, "slack:recent": 2}
        assert references(handoff_url) == {made[n] for n in ("closed_recent", "open_old", "urgent_closed_250")}
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_purge_on_postgresql(tmp_path, fixed_now, capsys) -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from bot.database import make_engine

    admin, name = make_engine(PG_ADMIN), "ischool_test_retention"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        endpoints = tmp_path / "endpoints.yml"
        endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: 127.0.0.1\n  port: 5432\n"
                             f"  db: {name}\n  username: postgres\n")
        fill_tracker_store(endpoints)
        handoff_url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
        made = fill_tickets(handoff_url)
        assert purge(endpoints, handoff_url, "--dry-run") == 0
        assert "2 would be deleted (6 events)" in capsys.readouterr().out
        assert purge(endpoints, handoff_url) == 0
        assert "2 deleted (6 events)" in capsys.readouterr().out
        assert senders(handoff_url) == {"webchat:still-going": 4, "slack:recent": 2}
        assert references(handoff_url) == {made[n] for n in ("closed_recent", "open_old", "urgent_closed_250")}
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_staff_reports_past_the_window_are_purged(tmp_path, capsys) -> None:
    import os

    from bot.staff import report

    reports_dir = tmp_path / "reports"
    settings = load_settings({"HANDOFF_DB_URL": f"sqlite:///{tmp_path}/h.db", "REPORTS_DIR": str(reports_dir)})
    assert main(["report", "--tracker-db", f"sqlite:///{tmp_path}/none.db"], settings) == 0
    [recent] = list(reports_dir.iterdir())
    old = reports_dir / "2026-01-01-000000"
    report.write(report.summarize([], NOW), [], old)
    aged = (NOW - 200 * DAY).timestamp()
    os.utime(old / "report.html", (aged, aged))
    (tmp_path / "endpoints.yml").write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path}/t.db\n")
    assert main(["privacy", "purge", "--endpoints", str(tmp_path / "endpoints.yml"), "--dry-run"], settings) == 0
    assert "older than 180 days: 1 would be deleted" in capsys.readouterr().out and old.exists()
    assert main(["privacy", "purge", "--endpoints", str(tmp_path / "endpoints.yml")], settings) == 0
    assert "older than 180 days: 1 deleted" in capsys.readouterr().out
    assert list(reports_dir.iterdir()) == [recent], "the report of this week is kept"


def test_reminders_go_once_their_session_is_older_than_the_window(stores, fixed_now, capsys) -> None:
    from bot.reminders.store import open_reminders

    endpoints, handoff_url, _ = stores
    reminders = open_reminders(handoff_url)
    for sender, session_age in (("webchat:old", 200), ("webchat:recent", 100), ("webchat:coming", -10)):
        starts = NOW - session_age * DAY
        reminders.add(sender_id=sender, channel="webchat", email="ada@example.edu", session_uid="0123456789abcdef",
                      session_title="Information session", starts_at=starts, send_at=starts - DAY,
                      timezone="America/New_York", now=starts - 30 * DAY)
    assert purge(endpoints, handoff_url, "--dry-run") == 0
    assert "Reminders of sessions more than 180 days ago: 1 would be deleted." in capsys.readouterr().out
    assert len(reminders.all()) == 3
    assert purge(endpoints, handoff_url) == 0
    assert "Reminders of sessions more than 180 days ago: 1 deleted." in capsys.readouterr().out
    assert sorted(r.sender_id for r in reminders.all()) == ["webchat:coming", "webchat:recent"]
