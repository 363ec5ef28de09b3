"""Knowledge files: valid ones load, bad ones are refused whole with file, line and field; each format round-trips."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge import course_schedule, files
from bot.knowledge.formats import KnowledgeError
from bot.knowledge.store import KnowledgeStore
from tests.conftest import KNOWLEDGE_DIR, NOW

SESSIONS_HEADER = "starts_at,format,campus,title,registration_url\n"
SCHEDULE_HEADER = "program,semester,term,session,course_code,course_title,credits\n"


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content)
    return path


def test_repository_files_are_valid() -> None:
    for name in files.LOAD_ORDER:
        files.parse_file(KNOWLEDGE_DIR / name)


@pytest.mark.parametrize("fmt", files.FORMATS, ids=lambda f: f.FILE_NAME)
def test_each_format_round_trips(fmt: files.Format) -> None:
    records = fmt.parse((KNOWLEDGE_DIR / fmt.FILE_NAME).read_text(encoding="utf-8"))
    assert records.items, "the repository's file holds something"
    text = fmt.dump(records.items)
    again = fmt.parse(text)
    assert again.items == records.items
    assert fmt.dump(again.items) == text, "an export of an export is the same file"


def test_the_summer_session_keeps_its_column_name() -> None:
    records = course_schedule.parse(SCHEDULE_HEADER + "MLS,3,summer,First,LBSC 690,Information Technology,3\n")
    assert [c.summer_session for c in records.items] == ["first"]
    assert course_schedule.dump(records.items).splitlines()[0] + "\n" == SCHEDULE_HEADER


@pytest.mark.parametrize(("content", "line", "field", "fragment"), [
    (SESSIONS_HEADER + "2027-05-01T10:00:00,online,,T,https://x.org\n", 2, "starts_at", "UTC offset"),
    (SESSIONS_HEADER + "tomorrow,online,,T,https://x.org\n", 2, "starts_at", "ISO 8601"),
    (SESSIONS_HEADER + "2027-05-01T10:00:00-04:00,hybrid,,T,https://x.org\n", 2, "format", "online, in-person"),
    (SESSIONS_HEADER + "2027-05-01T10:00:00-04:00,online,,T,javascript:alert(1)\n", 2, "registration_url", "http"),
    (SESSIONS_HEADER + "2027-05-01T10:00:00-04:00,in-person,,T,https://x.org\n", 2, "campus", "required"),
    (SESSIONS_HEADER + "2027-05-01T10:00:00-04:00,online,,T,https://x.org\n"
     "2027-05-01T14:00:00+00:00,online,,T2,https://x.org\n", 3, "(row)", "duplicates line 2"),
    ("starts_at,format,campus,title,registration_url,room\n", 1, "room", "unknown column"),
    ("starts_at,format,title,registration_url\n", 1, "campus", "missing column"),
    (SESSIONS_HEADER + "2027-05-01T10:00:00-04:00,online\n", 2, "(row)", "cells"),
])
def test_bad_session_rows_are_reported_with_line_and_field(tmp_path, content, line, field, fragment) -> None:
    with pytest.raises(KnowledgeError) as error:
        files.parse_file(write(tmp_path, "info_sessions.csv", content))
    problem = error.value.problems[0]
    assert (problem.file, problem.line, problem.field) == ("info_sessions.csv", line, field)
    assert fragment in problem.message


@pytest.mark.parametrize(("content", "field", "fragment"), [
    ("topics:\n  credits:\n    title: Credits\n", "topics.credits", "needs 'answer'"),
    ("topics:\n  credits:\n    title: Credits\n    answer: x\n    colour: red\n", "topics.credits.colour",
     "unknown field"),
    ("topics:\n  credits:\n    title: Credits\n    answer: x\n    source: s\n    reviewed: soon\n",
     "topics.credits.reviewed", "date"),
    ("topics: [unclosed\n", "(file)", "not valid YAML"),
    ("topics:\n  credits:\n    title: Credits\n    answers:\n      MLS: ~\n      MIM: ~\n", "topics.credits",
     "at least one answer"),
])
def test_bad_answers_are_refused(tmp_path, content, field, fragment) -> None:
    with pytest.raises(KnowledgeError) as error:
        files.parse_file(write(tmp_path, "answers.yml", content))
    assert any(p.field == field and fragment in p.message for p in error.value.problems), error.value.problems


def test_problems_read_file_line_field_message(tmp_path) -> None:
    path = write(tmp_path, "programs.yml", "programs:\n  - code: MLS\n    name: Library Science\n"
                                           "    synonyms: [mls]\n    source: s\n    reviewed: 2026-01-01\n"
                                           "  - code: MLS\n    name: Again\n    source: s\n    reviewed: 2026-01-01\n")
    with pytest.raises(KnowledgeError) as error:
        files.parse_file(path)
    assert str(error.value) == "programs.yml:7: programs.1.code: duplicate program MLS"


def test_unknown_file_names_and_huge_files_are_refused(tmp_path) -> None:
    with pytest.raises(KnowledgeError, match="unknown knowledge file"):
        files.parse_file(write(tmp_path, "sessions.csv", SESSIONS_HEADER))
    huge = write(tmp_path, "info_sessions.csv", SESSIONS_HEADER + "#" * (files.MAX_FILE_BYTES + 1))
    with pytest.raises(KnowledgeError, match="limit"):
        files.parse_file(huge)


def test_a_refused_import_changes_nothing(store: KnowledgeStore, tmp_path) -> None:
    before = store.upcoming_info_sessions(NOW, limit=100)
    good = tmp_path / "course_schedule.csv"
    shutil.copy(KNOWLEDGE_DIR / "course_schedule.csv", good)
    bad = write(tmp_path, "info_sessions.csv", SESSIONS_HEADER + "2027-05-01T10:00:00,online,,T,https://x.org\n")
    with pytest.raises(KnowledgeError):
        files.import_files(store, [good, bad])
    assert store.upcoming_info_sessions(NOW, limit=100) == before


def test_an_import_replaces_the_table(store: KnowledgeStore, tmp_path) -> None:
    path = write(tmp_path, "info_sessions.csv", SESSIONS_HEADER +
                 "2027-06-01T18:00:00-04:00,online,,Summer webinar,https://example.edu/s\n")
    assert files.import_files(store, [path]) == ["info_sessions"]
    sessions = store.upcoming_info_sessions(NOW, limit=100)
    assert [(s.title, s.starts_at.hour) for s in sessions] == [("Summer webinar", 22)]


def test_schedule_must_name_known_programs(store: KnowledgeStore, tmp_path) -> None:
    path = write(tmp_path, "course_schedule.csv", SCHEDULE_HEADER + "MBA,1,fall,,X 1,T,3\n")
    with pytest.raises(KnowledgeError, match="MBA is not a program"):
        files.import_files(store, [path])


def test_a_program_left_empty_is_a_topic_the_page_describes_for_the_other_program_only(tmp_path) -> None:
    records = files.parse_file(write(tmp_path, "answers.yml", (
        "topics:\n  field_study:\n    title: Field study\n    source: page\n    reviewed: 2026-11-27\n"
        "    answers:\n      MLS: Every MLS student does one.\n      MIM: ~\n")))
    covered = {a.program: a.covered for a in records.items}
    assert covered == {"MLS": True, "MIM": False}
    fmt = next(f for f in files.FORMATS if f.FILE_NAME == "answers.yml")
    assert fmt.parse(fmt.dump(records.items)).items == records.items
