"""The knowledge store: loading, lookups, sessions and schedules."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from bot.knowledge.store import KnowledgeStore
from tests.conftest import NOW, fresh_store, require_service


def test_loads_every_file_of_the_repository(store: KnowledgeStore) -> None:
    assert store.program_codes() == ["MIM", "MLS"]
    assert "credits" in store.topics()
    assert store.contact("student_services").phone == "301-405-2038"
    assert [s.name for s in store.specializations("MLS")] == [
        "General MLS", "School Library", "Government Information Management and Services"]


@pytest.mark.parametrize(("label", "phrase", "expected"), [
    ("program", "M.L.S.", "MLS"),
    ("program", "Library Science", "MLS"),
    ("program", "information management", "MIM"),
    ("specialization", "eGovernment", "gims"),
    ("specialization", "school librarian", "school_library"),
    ("campus", "shady grove", "Shady Grove"),
    ("delivery_mode", "in person", "in-person"),
    ("term", "1st summer", "first summer"),
    ("program", "MBA", None),
    ("campus", "", None),
])
def test_resolves_what_people_say_to_canonical_values(store: KnowledgeStore, label: str, phrase: str,
                                                      expected: str | None) -> None:
    assert store.resolve(label, phrase) == expected


def test_upcoming_sessions_are_future_only_and_soonest_first(store: KnowledgeStore) -> None:
    later = dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)
    sessions = store.upcoming_sessions(later, limit=50)
    assert sessions, "the sample data has sessions after March 2027"
    assert all(s.starts_at > later for s in sessions)
    assert [s.starts_at for s in sessions] == sorted(s.starts_at for s in sessions)


@pytest.mark.parametrize(("campus", "format", "check"), [
    ("Shady Grove", None, lambda s: s.campus == "Shady Grove"),
    ("shady grove", None, lambda s: s.campus == "Shady Grove"),
    (None, "online", lambda s: s.format == "online"),
    ("College Park", "in-person", lambda s: s.campus == "College Park" and s.format == "in-person"),
])
def test_sessions_filter_by_campus_and_format(store: KnowledgeStore, campus, format, check) -> None:
    sessions = store.upcoming_sessions(NOW, campus=campus, format=format, limit=50)
    assert sessions and all(check(s) for s in sessions)


def test_no_sessions_after_the_last_one(store: KnowledgeStore) -> None:
    assert store.upcoming_sessions(dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)) == []


def test_schedule_by_program_and_semester(store: KnowledgeStore) -> None:
    courses = store.schedule("MLS", [6])
    assert {c.course_code for c in courses} >= {"LBSC 707"}
    assert all(c.semester == 6 for c in courses)
    assert len(store.schedule("MIM")) == 12


def test_open_store_creates_and_loads_a_sqlite_file_on_first_use(tmp_path) -> None:
    from bot.config import load_settings
    from bot.knowledge.store import open_store

    settings = load_settings({"KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path}/sub/k.db"})
    store = open_store(settings)
    assert (tmp_path / "sub" / "k.db").exists()
    assert store.contact("student_services") is not None


@pytest.mark.postgres
def test_postgresql_store_round_trip() -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from bot.knowledge.store import make_engine

    admin = make_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    name = "ischool_test_store"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        store = fresh_store(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}")
        assert store.resolve("program", "library science") == "MLS"
        assert store.upcoming_sessions(NOW, campus="College Park")
        assert store.answer_variants("credits")[0].text.startswith("Both online programs require 36")
        store.engine.dispose()
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
