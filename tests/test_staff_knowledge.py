"""Staff keep the knowledge current: export/import round trip, stale facts, calendars, concurrency."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from pathlib import Path

import pytest

from bot.channels import ics
from bot.cli import main
from bot.config import load_settings
from bot.database import SchemaError, make_engine
from bot.knowledge import files
from bot.knowledge.store import KnowledgeStore, open_store
from tests.conftest import KNOWLEDGE_DIR, NOW, fresh_store


def snapshot(store: KnowledgeStore) -> dict:
    return {
        "topics": {t: [(v.program, v.title, v.text, v.covered) for v in store.answer_variants(t)]
                   for t in store.topics()},
        "sessions": [(s.uid, s.starts_at, s.format, s.campus, s.title)
                     for s in store.upcoming_info_sessions(NOW, limit=99)],
        "schedule": {p: store.schedule(p) for p in store.program_codes()},
        "synonyms": sorted((s.label, s.value, s.term) for s in store.synonyms()),
        "contact": store.contact().phone,
    }


def test_export_then_import_reproduces_the_knowledge(store: KnowledgeStore, tmp_path: Path) -> None:
    files.export(store, tmp_path)
    for name in files.LOAD_ORDER:
        files.parse_file(tmp_path / name)
    copy = KnowledgeStore(make_engine("sqlite://"))
    copy.create_schema()
    files.import_directory(copy, tmp_path)
    assert snapshot(copy) == snapshot(store)


def test_comparison_answers_keep_their_list_lines(store: KnowledgeStore) -> None:
    text = store.answer_variants("compare_programs")[0].text
    assert len([line for line in text.splitlines() if line.startswith("- ")]) >= 5


def test_stale_lists_old_reviews_and_past_sessions(store: KnowledgeStore) -> None:
    later = dt.datetime(2027, 12, 1, tzinfo=dt.timezone.utc)
    facts = store.stale(later, max_age_days=180)
    kinds = {f.kind for f in facts}
    assert {"answer", "contact", "program", "info_session"} <= kinds
    assert all(f.detail for f in facts)
    assert store.stale(NOW, max_age_days=180) == []


def test_stale_command(tmp_path, capsys) -> None:
    settings = load_settings({"KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path}/k.db", "KNOWLEDGE_STALE_DAYS": "100000"})
    assert main(["knowledge", "stale"], settings) == 0
    sessions = tmp_path / "info_sessions.csv"
    sessions.write_text("starts_at,format,campus,title,registration_url\n"
                        "2020-01-01T10:00:00-05:00,online,,Old webinar,https://example.edu/o\n")
    assert main(["knowledge", "import", str(sessions)], settings) == 0
    capsys.readouterr()
    assert main(["knowledge", "stale", "--strict"], settings) == 1
    assert "Old webinar: took place 2020-01-01T15:00:00+00:00" in capsys.readouterr().out


def test_export_command_writes_valid_files(tmp_path) -> None:
    settings = load_settings({"KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path}/k.db"})
    assert main(["knowledge", "export", str(tmp_path / "out")], settings) == 0
    assert main(["knowledge", "check", "--dir", str(tmp_path / "out")], settings) == 0


def test_calendar_file_is_a_valid_icalendar(store: KnowledgeStore) -> None:
    import icalendar

    session = store.upcoming_info_sessions(NOW)[0]
    text = ics.session_ics(session, NOW)
    parsed = icalendar.Calendar.from_ical(text)
    events = [c for c in parsed.walk() if c.name == "VEVENT"]
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == session.starts_at
    assert "DTSTART:" + session.starts_at.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") in text, "in UTC"
    assert event.decoded("dtstamp") == NOW and "DTEND" not in text
    assert str(event["summary"]) == session.title
    assert str(event["uid"]).startswith(f"info-session-{session.uid}@")
    assert str(event["location"]) == (f"{session.campus} campus" if session.campus else "Online")
    assert str(event["url"]) == session.registration_url
    assert str(event["description"]) == f"Register: {session.registration_url}"
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_long_titles_are_folded_and_escaped(store: KnowledgeStore) -> None:
    import icalendar

    session = store.upcoming_info_sessions(NOW)[0]
    long = dataclasses.replace(session, title="Ünïcode, semi;colons " * 10)
    text = ics.session_ics(long, NOW)
    assert "\r\n " in text and "\\;" in text and "\\," in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n")), "folded by octets, not characters"
    assert str(icalendar.Calendar.from_ical(text).walk("VEVENT")[0]["summary"]) == long.title


def test_session_ids_survive_a_re_import(store: KnowledgeStore) -> None:
    before = {s.uid for s in store.upcoming_info_sessions(NOW, limit=99)}
    files.import_files(store, [KNOWLEDGE_DIR / "info_sessions.csv"])
    assert {s.uid for s in store.upcoming_info_sessions(NOW, limit=99)} == before


def test_two_imports_at_once_leave_one_complete_version(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/k.db"
    open_store(load_settings({"KNOWLEDGE_DB_URL": url}))
    versions = []
    for n in range(2):
        path = tmp_path / f"v{n}" / "info_sessions.csv"
        path.parent.mkdir()
        rows = "".join(f"2027-0{m + 1}-1{n}T10:00:00-05:00,online,,Version {n} session {m},https://e.edu/{m}\n"
                       for m in range(8))
        path.write_text("starts_at,format,campus,title,registration_url\n" + rows)
        versions.append(path)
    errors: list[BaseException] = []

    def run(path: Path) -> None:
        try:
            files.import_files(KnowledgeStore(make_engine(url)), [path])
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in versions * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    titles = [s.title for s in KnowledgeStore(make_engine(url)).upcoming_info_sessions(NOW, limit=99)]
    assert len(titles) == 8 and len({t.split(" session")[0] for t in titles}) == 1


def test_a_database_no_version_made_is_refused_with_instructions(tmp_path) -> None:
    import sqlite3

    # Databases of earlier versions are upgraded in place (tests/test_migrations.py); this one has tables and
    # no migration history, so the migrations cannot apply.
    path = tmp_path / "odd.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE info_sessions (id INTEGER PRIMARY KEY, starts_at TEXT)")
    with pytest.raises(SchemaError, match=r"could not be upgraded.*info_sessions already exists.*init --reset"):
        open_store(load_settings({"KNOWLEDGE_DB_URL": f"sqlite:///{path}"}))
    settings = load_settings({"KNOWLEDGE_DB_URL": f"sqlite:///{path}"})
    assert main(["knowledge", "init", "--reset"], settings) == 0
    assert open_store(settings).upcoming_info_sessions(NOW)


def test_fresh_store_helper_matches_the_repository() -> None:
    assert fresh_store().program_codes() == ["MIM", "MLS"]
