"""The staff files in knowledge/: which there are, the order they load in, importing and exporting them whole.

An import is file -> records -> ``store.replace``: every file is parsed and cross-checked before the
store writes anything, and the store writes all of them in one transaction. This module knows the store
only by the three methods it calls (:class:`Store`), so the store may load these files without a circle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Protocol, Sequence

from bot.knowledge import answers, contacts, course_schedule, info_sessions, programs, vocabulary
from bot.knowledge.formats import KnowledgeError, Problem
from bot.knowledge.records import Answer, Course, Program, R, Record, Records

MAX_FILE_BYTES = 2_000_000


class Format(Protocol):
    """What each staff file module declares."""

    FILE_NAME: str
    KIND: str
    RECORDS: tuple[type, ...]

    def parse(self, text: str) -> Records: ...

    def dump(self, records: Iterable[Record]) -> str: ...


class Store(Protocol):
    """What importing and exporting need of the knowledge store (``bot.knowledge.store.KnowledgeStore``)."""

    def program_codes(self) -> list[str]: ...

    def replace(self, parsed: Sequence[Records]) -> None: ...

    def records(self, kind: type[R]) -> list[R]: ...


# programs.yml first: answers and the schedule refer to its program codes.
FORMATS: tuple[Format, ...] = (programs, vocabulary, answers, contacts, info_sessions, course_schedule)
BY_NAME = {f.FILE_NAME: f for f in FORMATS}
LOAD_ORDER = tuple(BY_NAME)


def parse_file(path: Path) -> Records:
    """Validate one knowledge file completely; raise KnowledgeError listing every problem."""
    fmt = BY_NAME.get(path.name)
    if fmt is None:
        raise KnowledgeError([Problem(path.name, 0, "(file name)",
                                      f"unknown knowledge file; expected one of: {', '.join(LOAD_ORDER)}")])
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise KnowledgeError([Problem(path.name, 0, "(file)", f"cannot be read: {exc.strerror}")]) from exc
    if size > MAX_FILE_BYTES:
        raise KnowledgeError([Problem(path.name, 0, "(file)",
                                      f"is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeError([Problem(path.name, 0, "(file)", "is not UTF-8 text")]) from exc
    return fmt.parse(text)


def check_references(parsed: Iterable[Records], known_programs: set[str]) -> list[Problem]:
    """Cross-file checks: answers and schedules must name programs that exist."""
    by_kind = {records.kind: records for records in parsed}
    problems = []
    for fmt, kind in ((answers, Answer), (course_schedule, Course)):
        if fmt.KIND not in by_kind:
            continue
        for record in by_kind[fmt.KIND].of(kind):
            if record.program and record.program not in known_programs:
                problems.append(Problem(fmt.FILE_NAME, 0, "program",
                                        f"{record.program} is not a program in programs.yml"))
    return problems


def validate(paths: Iterable[Path], known_programs: set[str]) -> tuple[list[Records], list[Problem]]:
    """Parse every file and cross-check them, in load order; programs.yml, when given, defines the programs."""
    parsed: dict[str, Records] = {}
    problems: list[Problem] = []
    for path in paths:
        try:
            parsed[path.name] = parse_file(path)
        except KnowledgeError as exc:
            problems += exc.problems
    if programs.FILE_NAME in parsed:
        known_programs = {p.code for p in parsed[programs.FILE_NAME].of(Program)}
    problems += check_references(parsed.values(), known_programs)
    return [parsed[name] for name in LOAD_ORDER if name in parsed], problems


def import_files(store: Store, paths: Iterable[Path]) -> list[str]:
    """Validate every file, then have the store replace what they hold at once; returns the kinds loaded."""
    parsed, problems = validate(paths, set(store.program_codes()))
    if problems:
        raise KnowledgeError(problems)
    store.replace(parsed)
    return [records.kind for records in parsed]


def import_directory(store: Store, directory: Path) -> list[str]:
    """Import every knowledge file found in ``directory``."""
    return import_files(store, [directory / name for name in LOAD_ORDER if (directory / name).exists()])


def export(store: Store, directory: Path) -> list[Path]:
    """Write every knowledge file into ``directory`` from the store; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in FORMATS:
        path = directory / fmt.FILE_NAME
        path.write_text(fmt.dump([r for kind in fmt.RECORDS for r in store.records(kind)]), encoding="utf-8")
        written.append(path)
    return written
