"""course_schedule.csv: each program's courses by cohort semester."""

from __future__ import annotations

from typing import Any, Iterable

from bot.knowledge.formats import Problems, digest, read_csv, write_csv
from bot.knowledge.records import Course, Record, Records, of_kind

FILE_NAME = "course_schedule.csv"
KIND = "course_schedule"
RECORDS = (Course,)
COLUMNS = ("program", "semester", "term", "session", "course_code", "course_title", "credits")
# Staff call the summer session column "session"; everywhere else it is the course's summer_session.
FIELDS = {column: "summer_session" if column == "session" else column for column in COLUMNS}
TERMS = ("fall", "spring", "summer")
SUMMER_SESSIONS = ("", "first", "second", "both")


def parse(text: str) -> Records:
    """Validate course_schedule.csv whole; raise KnowledgeError listing every problem."""
    problems = Problems(FILE_NAME)
    items: list[Record] = []
    seen: dict[tuple, int] = {}
    for line, row in read_csv(text, COLUMNS, problems):
        values: dict[str, Any] = dict(row)
        values["program"] = row["program"].upper()
        if not values["program"]:
            problems.add(line, "program", "is required")
        for name in ("semester", "credits"):
            if not row[name].isdigit() or int(row[name]) == 0:
                problems.add(line, name, f"must be a positive whole number, got {row[name]!r}")
                values[name] = 0
            else:
                values[name] = int(row[name])
        if values["semester"] and not 1 <= values["semester"] <= 12:
            problems.add(line, "semester", "must be between 1 and 12")
        values["term"] = row["term"].lower()
        if values["term"] not in TERMS:
            problems.add(line, "term", f"must be one of {', '.join(TERMS)}, got {row['term']!r}")
        values["session"] = row["session"].lower()
        if values["session"] not in SUMMER_SESSIONS:
            problems.add(line, "session", f"must be empty or one of first, second, both; got {row['session']!r}")
        for name in ("course_code", "course_title"):
            if not row[name]:
                problems.add(line, name, "is required")
        key = (values["program"], values["semester"], row["course_code"].upper())
        if key in seen:
            problems.add(line, "(row)", f"duplicates line {seen[key]}")
        seen[key] = line
        items.append(Course(**{FIELDS[column]: value for column, value in values.items()}))
    problems.raise_if_any()
    return Records(KIND, RECORDS, tuple(items), sha256=digest(text))


def dump(records: Iterable[Record]) -> str:
    """course_schedule.csv for ``records``, in the order given."""
    return write_csv(COLUMNS, ([getattr(c, FIELDS[column]) for column in COLUMNS] for c in of_kind(records, Course)))
