"""Schema migrations (plain Alembic, alembic.ini): new databases get head, older ones are upgraded with their rows."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.config import PROJECT_ROOT, load_settings
from bot.database import Migrations, SchemaError, make_engine
from bot.handoffs import tickets
from bot.knowledge import files, info_sessions
from bot.knowledge.store import SCHEMA, KnowledgeStore, open_store
from bot.reminders import store as _reminders  # noqa: F401 - the reminders table belongs to the handoffs history
from tests.conftest import KNOWLEDGE_DIR, NOW, require_service
from tools.servers import child_env

HISTORIES = [pytest.param(SCHEMA, id="knowledge"), pytest.param(tickets.SCHEMA, id="handoffs")]

# Rows as the first revision's tables hold them (contacts had no group, reply time or position yet).
OLD_ROWS = [
    "INSERT INTO programs VALUES ('MLS', 'Master of Library and Information Science', 'https://e.edu/mls', "
    "'2026-11-01')",
    "INSERT INTO specializations VALUES (1, 'MLS', 'general', 'General MLS', '', 'The general track.', 0)",
    "INSERT INTO synonyms VALUES (1, 'program', 'MLS', 'library science')",
    "INSERT INTO answers VALUES (1, 'credits', '', 'Credits', 'The MLS takes 36 credits.', TRUE, 'https://e.edu', "
    "'2026-11-01')",
    "INSERT INTO contacts VALUES ('student_services', 'Student Services', 'Questions', '301-405-2038', '', "
    "'ischool@umd.edu', 'https://e.edu', '2026-11-01')",
    "INSERT INTO course_schedule VALUES (1, 'MLS', 1, 'Fall', '', 'INST 604', 'Foundations', 3)",
]
SESSION_START = dt.datetime(2027, 1, 12, 23, 0, tzinfo=dt.timezone.utc)
# A ticket of the first revision, before tickets kept a phone number.
OLD_TICKET = ("INSERT INTO handoff_tickets VALUES (1, 'H-ABC123', '2026-11-20 10:00:00.000000', 'open', 0, 'webchat', "
              "'webchat:1', 'Ana', 'ana@example.com', 'Can I defer?', '[]', '', NULL, 1, '')")


def run_sql(engine: Engine, statements: list[str]) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def at_revision(history: Migrations, engine: Engine, revision: str, rows: list[str]) -> None:
    """The database as an earlier version of the code left it: ``history`` up to ``revision``, with ``rows``."""
    with engine.begin() as conn:
        command.upgrade(history.config(conn), revision)
        for statement in rows:
            conn.exec_driver_sql(statement)


def revision_of(history: Migrations, engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT version_num FROM {history.version_table}")).scalar_one_or_none()


def matches_the_models(history: Migrations, engine: Engine) -> bool:
    """Alembic's autogenerate finds nothing to change (`alembic check`); a table changed without a migration fails."""
    with engine.connect() as conn:
        command.check(history.config(conn))
    return True


def settings_for(tmp_path):
    return load_settings({"KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path}/k.db",
                          "HANDOFF_DB_URL": f"sqlite:///{tmp_path}/h.db"})


@pytest.mark.parametrize("history", HISTORIES)
def test_a_new_database_gets_head_and_matches_the_models(history: Migrations, tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/new.db")
    assert history.upgrade(engine) == (None, history.head)
    assert revision_of(history, engine) == history.head
    assert matches_the_models(history, engine)
    assert history.upgrade(engine) == (history.head, history.head)


def test_a_new_knowledge_database_works_with_the_store(tmp_path) -> None:
    store = open_store(settings_for(tmp_path))
    assert store.resolve("program", "library science") == "MLS"
    assert [c.key for c in store.contacts("crisis")]
    assert SCHEMA.pending(store.engine) == (SCHEMA.head, [])


@pytest.mark.parametrize(("revision", "stored_uid"), [
    pytest.param("0001", None, id="first version"),
    pytest.param("0002", "a1b2c3d4e5f60718", id="with session ids"),
])
def test_an_older_knowledge_database_is_upgraded_in_place(tmp_path, revision: str, stored_uid: str | None) -> None:
    settings = settings_for(tmp_path)
    engine = make_engine(settings.database_url)
    session = ("INSERT INTO info_sessions (id, starts_at, format, campus, title, registration_url) VALUES "
               "(1, '2027-01-12 23:00:00.000000', 'online', '', 'Online information session', 'https://e.edu/1')")
    if stored_uid:
        session = session.replace("(id, ", "(id, uid, ").replace("(1, ", f"(1, '{stored_uid}', ")
    at_revision(SCHEMA, engine, revision, [*OLD_ROWS, session])

    store = open_store(settings)
    assert revision_of(SCHEMA, engine) == SCHEMA.head
    office = store.contact("student_services")
    assert (office.phone, office.group, office.reply_time) == ("301-405-2038", "office", "")  # new columns' defaults
    assert [c.key for c in store.contacts("office")] == ["student_services"]
    assert store.resolve("program", "library science") == "MLS"
    assert [s.name for s in store.specializations("MLS")] == ["General MLS"]
    assert store.answer_variants("credits")[0].text == "The MLS takes 36 credits."
    assert [c.course_code for c in store.schedule("MLS")] == ["INST 604"]
    [upcoming] = store.upcoming_info_sessions(NOW)
    assert upcoming.starts_at == SESSION_START
    # Sessions stored without an id get the one the importer gives them, so calendar links survive a re-import.
    assert upcoming.uid == (stored_uid or info_sessions._uid(SESSION_START, "online", ""))
    assert matches_the_models(SCHEMA, engine)


def test_an_older_ticket_database_is_upgraded_in_place(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/h.db")
    at_revision(tickets.SCHEMA, engine, "0001", [OLD_TICKET])
    [ticket] = tickets.HandoffStore(engine).list()
    assert (ticket.reference, ticket.email, ticket.question, ticket.phone) == (
        "H-ABC123", "ana@example.com", "Can I defer?", "")
    assert revision_of(tickets.SCHEMA, engine) == tickets.SCHEMA.head
    assert matches_the_models(tickets.SCHEMA, engine)


def test_a_database_upgraded_by_a_newer_version_is_refused(tmp_path, capsys) -> None:
    settings = settings_for(tmp_path)
    engine = make_engine(settings.database_url)
    SCHEMA.upgrade(engine)
    run_sql(engine, ["UPDATE knowledge_schema_version SET version_num = '0099'"])
    with pytest.raises(SchemaError, match=r"revision 0099, which this version of the code does not know"):
        open_store(settings)
    assert main(["db", "current"], settings) == 1
    assert "knowledge init --reset" in capsys.readouterr().err
    assert main(["knowledge", "init", "--reset"], settings) == 0  # staff can rebuild it from the files
    assert revision_of(SCHEMA, engine) == SCHEMA.head


def test_a_newer_ticket_database_is_refused_and_left_alone(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/h.db")
    tickets.HandoffStore(engine)
    run_sql(engine, ["UPDATE handoffs_schema_version SET version_num = 'f00d'"])
    with pytest.raises(SchemaError, match="revision f00d.*does not know.*tickets cannot be rebuilt"):
        tickets.HandoffStore(engine)
    assert revision_of(tickets.SCHEMA, engine) == "f00d"


def test_two_starts_at_once_migrate_once(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/k.db"
    barrier = threading.Barrier(3)
    results, errors = [], []

    def start() -> None:
        barrier.wait()
        try:
            results.append(SCHEMA.upgrade(make_engine(url))[0])
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results, key=str) == sorted([None, SCHEMA.head, SCHEMA.head], key=str)  # one built, two waited


def test_the_knowledge_and_tickets_can_share_one_database(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/shared.db")
    queue = tickets.HandoffStore(engine)
    KnowledgeStore(engine).create_schema()
    KnowledgeStore(engine).reset_schema()
    assert (revision_of(SCHEMA, engine), revision_of(tickets.SCHEMA, engine)) == (SCHEMA.head, tickets.SCHEMA.head)
    assert queue.list() == []


def test_db_commands_show_and_apply_the_migrations(tmp_path, capsys) -> None:
    settings = settings_for(tmp_path)
    at_revision(tickets.SCHEMA, make_engine(settings.handoff_db_url), "0001", [])

    assert main(["db", "current"], settings) == 0
    out = capsys.readouterr().out
    assert "knowledge database sqlite:///" in out and "not migrated yet, head is 0003" in out
    assert "handoffs database sqlite:///" in out and "at 0001, head is 0004" in out
    assert "to apply: 0002 Tickets keep a phone number" in out

    assert main(["db", "upgrade"], settings) == 0
    assert "handoffs database sqlite:///" in capsys.readouterr().out
    assert main(["db", "current"], settings) == 0
    assert capsys.readouterr().out.count("(head)") == 2

    assert main(["db", "history"], settings) == 0
    assert "0003  Contacts get a group" in capsys.readouterr().out


@pytest.mark.parametrize(("name", "variable"), [("knowledge", "KNOWLEDGE_DB_URL"), ("handoffs", "HANDOFF_DB_URL")])
def test_alembic_s_command_line_runs_each_history_on_the_database_the_settings_name(tmp_path, name, variable) -> None:
    env = child_env({variable: f"sqlite:///{tmp_path}/{name}.db"})

    def alembic(*args: str) -> str:
        # From another folder: alembic.ini finds the histories and the project by its own location.
        run = subprocess.run([sys.executable, "-m", "alembic", "-c", str(PROJECT_ROOT / "alembic.ini"), "--name", name,
                              *args], cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout + run.stderr

    alembic("upgrade", "head")
    history = {"knowledge": SCHEMA, "handoffs": tickets.SCHEMA}[name]
    assert revision_of(history, make_engine(f"sqlite:///{tmp_path}/{name}.db")) == history.head
    assert "No new upgrade operations detected" in alembic("check")


@pytest.mark.postgres
def test_postgresql_databases_are_upgraded_in_place_once() -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    admin = make_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    name = "ischool_test_migrations"
    url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url)
    try:
        # The first version's tables and rows.
        with engine.begin() as conn:
            command.upgrade(SCHEMA.config(conn), "0001")
            for statement in OLD_ROWS:
                conn.execute(text(statement))
            conn.execute(text("INSERT INTO info_sessions VALUES (1, :at, 'online', '', 'Online session', 'https://e.edu')"),
                         {"at": SESSION_START})
        # Two action servers start at once against both histories in one database: the lock makes them take turns.
        results: list[tuple[str | None, str]] = []
        errors: list[BaseException] = []

        def start(history: Migrations) -> None:
            starting = make_engine(url)
            try:
                results.append(history.upgrade(starting))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                starting.dispose()

        threads = [threading.Thread(target=start, args=(h,)) for h in (SCHEMA, SCHEMA, tickets.SCHEMA, tickets.SCHEMA)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert sorted(results, key=str) == sorted([("0001", SCHEMA.head), (SCHEMA.head, SCHEMA.head),
                                                   (None, tickets.SCHEMA.head),
                                                   (tickets.SCHEMA.head, tickets.SCHEMA.head)], key=str)

        store = KnowledgeStore(engine)
        assert store.contact("student_services").group == "office"
        [upcoming] = store.upcoming_info_sessions(NOW)
        assert upcoming.uid == info_sessions._uid(SESSION_START, "online", "")
        assert matches_the_models(SCHEMA, engine) and matches_the_models(tickets.SCHEMA, engine)
        files.import_directory(store, KNOWLEDGE_DIR)
        assert store.resolve("program", "M.L.S.") == "MLS"
        assert tickets.HandoffStore(engine).list() == []
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
