"""Schema migrations: new databases get head, databases from every earlier version are upgraded with their rows."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.cli import main
from bot.config import load_settings
from bot.handoffs import tickets
from bot.knowledge import files, info_sessions, tables
from bot.knowledge.migrations import History
from bot.knowledge.store import SCHEMA, KnowledgeStore, SchemaError, make_engine, open_store
from tests.conftest import KNOWLEDGE_DIR, NOW, require_service

HISTORIES = [pytest.param(SCHEMA, id="knowledge"), pytest.param(tickets.SCHEMA, id="tickets")]

# The knowledge tables as the first version's create_all made them in SQLite (git show fa7eaba:bot/models.py).
FIRST_KNOWLEDGE_DDL = [
    """CREATE TABLE programs (code VARCHAR(16) NOT NULL, name VARCHAR(200) NOT NULL, source VARCHAR(300) NOT NULL,
        reviewed DATE NOT NULL, PRIMARY KEY (code))""",
    """CREATE TABLE specializations (id INTEGER NOT NULL, program_code VARCHAR(16) NOT NULL,
        "key" VARCHAR(64) NOT NULL, name VARCHAR(200) NOT NULL, online_since VARCHAR(64) NOT NULL,
        summary TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (id), UNIQUE (program_code, "key"),
        FOREIGN KEY(program_code) REFERENCES programs (code) ON DELETE CASCADE)""",
    """CREATE TABLE synonyms (id INTEGER NOT NULL, label VARCHAR(32) NOT NULL, value VARCHAR(200) NOT NULL,
        term VARCHAR(200) NOT NULL, PRIMARY KEY (id), UNIQUE (label, term))""",
    """CREATE TABLE answers (id INTEGER NOT NULL, topic VARCHAR(64) NOT NULL, program VARCHAR(16) NOT NULL,
        title VARCHAR(200) NOT NULL, text TEXT NOT NULL, covered BOOLEAN NOT NULL, source VARCHAR(300) NOT NULL,
        reviewed DATE NOT NULL, PRIMARY KEY (id), UNIQUE (topic, program))""",
    "CREATE INDEX ix_answers_topic ON answers (topic)",
    """CREATE TABLE contacts ("key" VARCHAR(64) NOT NULL, name VARCHAR(200) NOT NULL, purpose VARCHAR(300) NOT NULL,
        phone VARCHAR(64) NOT NULL, fax VARCHAR(64) NOT NULL, email VARCHAR(200) NOT NULL,
        source VARCHAR(300) NOT NULL, reviewed DATE NOT NULL, PRIMARY KEY ("key"))""",
    """CREATE TABLE info_sessions (id INTEGER NOT NULL, starts_at DATETIME NOT NULL, format VARCHAR(16) NOT NULL,
        campus VARCHAR(64) NOT NULL, title VARCHAR(300) NOT NULL, registration_url VARCHAR(500) NOT NULL,
        PRIMARY KEY (id))""",
    "CREATE INDEX ix_info_sessions_starts_at ON info_sessions (starts_at)",
    """CREATE TABLE course_schedule (id INTEGER NOT NULL, program VARCHAR(16) NOT NULL, semester INTEGER NOT NULL,
        term VARCHAR(16) NOT NULL, session VARCHAR(16) NOT NULL, course_code VARCHAR(32) NOT NULL,
        course_title VARCHAR(300) NOT NULL, credits INTEGER NOT NULL, PRIMARY KEY (id))""",
    "CREATE INDEX ix_course_schedule_program ON course_schedule (program)",
]
# What the next version changed (git show 4e7b203:bot/models.py): session ids and the import log.
SESSION_IDS_DDL = [
    "DROP TABLE info_sessions",
    """CREATE TABLE info_sessions (id INTEGER NOT NULL, uid VARCHAR(32) NOT NULL, starts_at DATETIME NOT NULL,
        format VARCHAR(16) NOT NULL, campus VARCHAR(64) NOT NULL, title VARCHAR(300) NOT NULL,
        registration_url VARCHAR(500) NOT NULL, PRIMARY KEY (id), UNIQUE (uid))""",
    "CREATE INDEX ix_info_sessions_starts_at ON info_sessions (starts_at)",
    """CREATE TABLE knowledge_imports (kind VARCHAR(32) NOT NULL, imported_at DATETIME NOT NULL,
        sha256 VARCHAR(64) NOT NULL, PRIMARY KEY (kind))""",
]
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
# The ticket table before tickets kept a phone number (git show 3aecfb4:bot/handoffs.py).
FIRST_TICKETS_DDL = """CREATE TABLE handoff_tickets (id INTEGER NOT NULL, reference VARCHAR(16) NOT NULL,
    created_at DATETIME NOT NULL, status VARCHAR(8) NOT NULL, urgent BOOLEAN NOT NULL, channel VARCHAR(32) NOT NULL,
    sender_id VARCHAR(128) NOT NULL, name VARCHAR(100) NOT NULL, email VARCHAR(254) NOT NULL, question TEXT NOT NULL,
    transcript TEXT NOT NULL, answer TEXT NOT NULL, closed_at DATETIME, notified BOOLEAN NOT NULL,
    notify_error VARCHAR(300) NOT NULL, PRIMARY KEY (id), UNIQUE (reference))"""
OLD_TICKET = ("INSERT INTO handoff_tickets VALUES (1, 'H-ABC123', '2026-11-20 10:00:00.000000', 'open', 0, 'webchat', "
              "'webchat:1', 'Ana', 'ana@example.com', 'Can I defer?', '[]', '', NULL, 1, '')")


def run_sql(engine: Engine, statements: list[str]) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def revision_of(history: History, engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT version_num FROM {history.version_table}")).scalar_one_or_none()


def differences(history: History, engine: Engine) -> list[object]:
    with engine.connect() as conn:
        return history.differences(conn)


def settings_for(tmp_path):
    return load_settings({"KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path}/k.db",
                          "HANDOFF_DB_URL": f"sqlite:///{tmp_path}/h.db"})


@pytest.mark.parametrize("history", HISTORIES)
def test_a_new_database_gets_head_and_matches_the_models(history: History) -> None:
    engine = make_engine("sqlite://")
    assert history.upgrade(engine) == (None, history.head)
    assert revision_of(history, engine) == history.head
    assert differences(history, engine) == []  # a change to the tables without a migration fails here
    assert history.upgrade(engine) == (history.head, history.head)


def test_a_new_knowledge_database_works_with_the_store(tmp_path) -> None:
    store = open_store(settings_for(tmp_path))
    assert store.resolve("program", "library science") == "MLS"
    assert [c.key for c in store.contacts("crisis")]
    assert SCHEMA.status(store.engine).pending == ()


def test_a_database_from_before_migrations_is_stamped_with_its_rows(tmp_path) -> None:
    settings = settings_for(tmp_path)
    engine = make_engine(settings.database_url)
    tables.Base.metadata.create_all(engine)  # what every deployment has: today's tables, no version table
    files.import_directory(KnowledgeStore(engine), KNOWLEDGE_DIR)
    before = KnowledgeStore(engine).imported_at("answers")
    with Session(engine) as db:
        db.execute(text("UPDATE answers SET text = 'Edited by staff.' WHERE topic = 'credits'"))
        db.commit()

    store = open_store(settings)
    assert revision_of(SCHEMA, engine) == SCHEMA.head
    assert store.answer_variants("credits")[0].text == "Edited by staff."  # not reloaded from the files
    assert store.imported_at("answers") == before
    assert differences(SCHEMA, engine) == []


def test_a_ticket_database_from_before_migrations_is_stamped_with_its_tickets(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/h.db")
    tickets.HandoffBase.metadata.create_all(engine)
    with Session(engine) as db:
        db.add(tickets.Ticket(reference="H-ABC123", created_at=NOW, question="Can I defer?", phone="+13014052038"))
        db.commit()
    queue = tickets.HandoffStore(engine)
    assert revision_of(tickets.SCHEMA, engine) == tickets.SCHEMA.head
    assert [(t.reference, t.phone) for t in queue.list()] == [("H-ABC123", "+13014052038")]


@pytest.mark.parametrize(("ddl", "stored_uid"), [
    pytest.param(FIRST_KNOWLEDGE_DDL, None, id="first version"),
    pytest.param(FIRST_KNOWLEDGE_DDL + SESSION_IDS_DDL, "a1b2c3d4e5f60718", id="with session ids"),
])
def test_an_older_knowledge_database_is_upgraded_in_place(tmp_path, ddl: list[str], stored_uid: str | None) -> None:
    settings = settings_for(tmp_path)
    engine = make_engine(settings.database_url)
    session = ("INSERT INTO info_sessions (id, starts_at, format, campus, title, registration_url) VALUES "
               "(1, '2027-01-12 23:00:00.000000', 'online', '', 'Online information session', 'https://e.edu/1')")
    if stored_uid:
        session = session.replace("(id, ", "(id, uid, ").replace("(1, ", f"(1, '{stored_uid}', ")
    run_sql(engine, [*ddl, *OLD_ROWS, session])

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
    assert differences(SCHEMA, engine) == []


def test_an_older_ticket_database_is_upgraded_in_place(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/h.db")
    run_sql(engine, [FIRST_TICKETS_DDL, OLD_TICKET])
    [ticket] = tickets.HandoffStore(engine).list()
    assert (ticket.reference, ticket.email, ticket.question, ticket.phone) == (
        "H-ABC123", "ana@example.com", "Can I defer?", "")
    assert revision_of(tickets.SCHEMA, engine) == tickets.SCHEMA.head
    assert differences(tickets.SCHEMA, engine) == []


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
    run_sql(make_engine(settings.handoff_db_url), [FIRST_TICKETS_DDL])

    assert main(["db", "current"], settings) == 0
    out = capsys.readouterr().out
    assert "knowledge database sqlite:///" in out and "no tables yet" in out
    assert "at 0001 by its tables (made before migrations; the upgrade records it), head is 0002" in out
    assert "to apply: 0002 Tickets keep a phone number" in out

    assert main(["db", "upgrade"], settings) == 0
    assert "ticket database" in capsys.readouterr().out
    assert main(["db", "current"], settings) == 0
    assert capsys.readouterr().out.count("(head)") == 2

    assert main(["db", "history"], settings) == 0
    assert "0003  Contacts get a group" in capsys.readouterr().out
    assert main(["db", "revision", "knowledge", "-m", "nothing changed"], settings) == 0
    assert "nothing to write" in capsys.readouterr().out


@pytest.mark.postgres
def test_postgresql_databases_are_upgraded_in_place_once() -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from alembic import command

    admin = make_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    name = "ischool_test_migrations"
    url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(url)
    try:
        # The first version's tables and rows, no version table: what its create_all left behind.
        with engine.begin() as conn:
            command.upgrade(SCHEMA.config(conn), "0001")
            conn.execute(text("DROP TABLE knowledge_schema_version"))
            for statement in OLD_ROWS:
                conn.execute(text(statement))
            conn.execute(text("INSERT INTO info_sessions VALUES (1, :at, 'online', '', 'Online session', 'https://e.edu')"),
                         {"at": SESSION_START})
        # Two action servers start at once against both histories in one database: the lock makes them take turns.
        results: list[tuple[str | None, str]] = []
        errors: list[BaseException] = []

        def start(history: History) -> None:
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
        assert differences(SCHEMA, engine) == [] and differences(tickets.SCHEMA, engine) == []
        files.import_directory(store, KNOWLEDGE_DIR)
        assert store.resolve("program", "M.L.S.") == "MLS"
        assert tickets.HandoffStore(engine).list() == []
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
