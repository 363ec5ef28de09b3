"""The knowledge store: loading, lookups, information sessions, schedules, and replacing records at once."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.knowledge.records import InfoSession, Records, Synonym
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


def test_upcoming_info_sessions_are_future_only_and_soonest_first(store: KnowledgeStore) -> None:
    later = dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)
    sessions = store.upcoming_info_sessions(later, limit=50)
    assert sessions, "the sample data has sessions after March 2027"
    assert all(s.starts_at > later for s in sessions)
    assert [s.starts_at for s in sessions] == sorted(s.starts_at for s in sessions)


@pytest.mark.parametrize(("campus", "format", "check"), [
    ("Shady Grove", None, lambda s: s.campus == "Shady Grove"),
    ("shady grove", None, lambda s: s.campus == "Shady Grove"),
    (None, "online", lambda s: s.format == "online"),
    ("College Park", "in-person", lambda s: s.campus == "College Park" and s.format == "in-person"),
])
def test_info_sessions_filter_by_campus_and_format(store: KnowledgeStore, campus, format, check) -> None:
    sessions = store.upcoming_info_sessions(NOW, campus=campus, format=format, limit=50)
    assert sessions and all(check(s) for s in sessions)


def test_no_info_sessions_after_the_last_one(store: KnowledgeStore) -> None:
    assert store.upcoming_info_sessions(dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)) == []


def test_schedule_by_program_and_semester(store: KnowledgeStore) -> None:
    courses = store.schedule("MLS", [6])
    assert {c.course_code for c in courses} >= {"LBSC 707"}
    assert all(c.semester == 6 for c in courses)
    assert len(store.schedule("MIM")) == 12


def test_summer_courses_name_their_summer_session(store: KnowledgeStore) -> None:
    summers = [c for c in store.schedule("MLS") if c.term == "summer"]
    assert summers and all(c.summer_session in ("first", "second", "both") for c in summers)
    assert all(not c.summer_session for c in store.schedule("MLS") if c.term != "summer")


@pytest.mark.parametrize("query", [
    lambda s: s.answer_variants("credits"),
    lambda s: [s.contact()],
    lambda s: s.contacts("crisis"),
    lambda s: s.specializations("MLS"),
    lambda s: s.synonyms()[:5],
    lambda s: s.upcoming_info_sessions(NOW),
    lambda s: [s.info_session(s.upcoming_info_sessions(NOW)[0].uid)],
    lambda s: s.schedule("MIM"),
    lambda s: s.stale(dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc), 1),
])
def test_views_are_frozen_records(store: KnowledgeStore, query) -> None:
    views = query(store)
    assert views
    for view in views:
        field = dataclasses.fields(view)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(view, field, "changed")


def test_unknown_info_session_is_none(store: KnowledgeStore) -> None:
    assert store.info_session("0123456789abcdef") is None


def test_a_failure_part_way_through_replace_changes_nothing(store: KnowledgeStore) -> None:
    sessions_before = store.upcoming_info_sessions(NOW, limit=100)
    imported_before = store.imported_at("info_sessions")
    webinar = InfoSession("feedfacefeedface", dt.datetime(2027, 6, 1, 22, tzinfo=dt.timezone.utc), "online", "",
                          "Summer webinar", "https://example.edu/s")
    new_sessions = Records("info_sessions", (InfoSession,), (webinar,))
    # The same phrase for two campuses breaks the synonyms' unique constraint after the sessions were written.
    clash = Records("vocabulary", (Synonym,), (Synonym("campus", "A", "x"), Synonym("campus", "B", "x")),
                    labels=("campus",))
    with pytest.raises(IntegrityError):
        store.replace([new_sessions, clash])
    assert store.upcoming_info_sessions(NOW, limit=100) == sessions_before
    assert store.imported_at("info_sessions") == imported_before
    assert store.resolve("campus", "shady grove") == "Shady Grove"


def test_replace_keeps_the_synonyms_of_other_files(store: KnowledgeStore) -> None:
    store.replace([Records("vocabulary", (Synonym,), (Synonym("campus", "Online", "online"),),
                           labels=("campus", "delivery_mode", "term", "timezone"))])
    assert store.resolve("campus", "online") == "Online"
    assert store.resolve("campus", "shady grove") is None
    assert store.resolve("program", "library science") == "MLS"


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
    from bot.database import make_engine

    admin = make_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    name = "ischool_test_store"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        store = fresh_store(f"postgresql+psycopg2://postgres@127.0.0.1:5432/{name}")
        assert store.resolve("program", "library science") == "MLS"
        assert store.upcoming_info_sessions(NOW, campus="College Park")
        assert store.answer_variants("credits")[0].text.startswith("The online MLS and the online MIM each require 36")
        store.engine.dispose()
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
