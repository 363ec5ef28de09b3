"""Read the staff-editable knowledge files, validate them whole, and load them into the store.

Every file is validated completely before anything is written; a file with any error changes nothing.
Errors name the file, the line and the field so that staff can fix them without a developer.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.knowledge import tables as models

MAX_FILE_BYTES = 2_000_000
PROGRAM_LABELS = ("program", "specialization")
VOCABULARY_LABELS = ("campus", "delivery_mode", "term", "timezone")
SESSION_FORMATS = ("online", "in-person")
SUMMER_SESSIONS = ("", "first", "second", "both")
TERMS = ("fall", "spring", "summer")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a knowledge file."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class KnowledgeError(Exception):
    """A knowledge file was refused; ``problems`` says why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class Parsed:
    """Validated rows for the tables one file replaces."""

    kind: str
    rows: dict[type, list[dict[str, Any]]] = field(default_factory=dict)
    sha256: str = ""
    # Synonym rows are replaced only for these labels, since two files share the table.
    synonym_labels: tuple[str, ...] = ()


class _Collector:
    """Gathers problems for one file while it is parsed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []

    def add(self, line: int, field_name: str, message: str) -> None:
        self.problems.append(Problem(self.name, line, field_name, message))


# ---------------------------------------------------------------- YAML helpers


def _yaml_with_lines(text: str, out: _Collector) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML and index the line of every mapping key and sequence item by its path."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        out.add(mark.line + 1 if mark else 1, "(file)", f"not valid YAML: {getattr(exc, 'problem', exc)}")
        return None, {}
    lines: dict[tuple, int] = {}

    def walk(n: yaml.Node | None, path: tuple) -> None:
        if n is None:
            return
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for key_node, value_node in n.value:
                child = path + (key_node.value,)
                walk(value_node, child)
                lines[child] = key_node.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, path + (i,))

    walk(node, ())
    return data, lines


def _name(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "(file)"


def _line(lines: dict[tuple, int], path: tuple) -> int:
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _text(value: Any, path: tuple, lines: dict, out: _Collector, *, required: bool = True, limit: int = 2000) -> str:
    name = _name(path)
    if value is None or value == "":
        if required:
            out.add(_line(lines, path), name, "is required")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        out.add(_line(lines, path), name, "must be text")
        return ""
    # Literal YAML blocks keep their line breaks (lists in comparisons); spaces within a line collapse.
    text = "\n".join(" ".join(line.split()) for line in str(value).strip().splitlines() if line.strip())
    if len(text) > limit:
        out.add(_line(lines, path), name, f"is longer than {limit} characters")
    return text


def _date(value: Any, path: tuple, lines: dict, out: _Collector) -> dt.date:
    name = _name(path)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        out.add(_line(lines, path), name, f"must be a date like 2026-11-27, got {value!r}")
        return dt.date.min


def _mapping(value: Any, path: tuple, lines: dict, out: _Collector) -> dict:
    if not isinstance(value, dict):
        out.add(_line(lines, path), _name(path), "must be a mapping of names to values")
        return {}
    return value


def _unknown_keys(item: dict, allowed: set[str], path: tuple, lines: dict, out: _Collector) -> None:
    for key in item:
        if key not in allowed:
            out.add(_line(lines, path + (key,)), _name(path + (key,)),
                    f"unknown field (expected one of: {', '.join(sorted(allowed))})")


def _synonyms(label: str, value: str, terms: Any, path: tuple, lines: dict, out: _Collector,
              seen: dict[tuple[str, str], str]) -> list[dict[str, Any]]:
    if terms is None:
        terms = []
    if not isinstance(terms, list):
        out.add(_line(lines, path), _name(path), "must be a list of phrases")
        return []
    rows = []
    for i, term in enumerate([value, *terms]):
        phrase = " ".join(str(term).lower().split())
        if not phrase:
            continue
        owner = seen.get((label, phrase))
        if owner is not None and owner != value:
            out.add(_line(lines, path + (max(i - 1, 0),)), _name(path),
                    f"'{phrase}' already means {owner}")
            continue
        if owner is None:
            seen[(label, phrase)] = value
            rows.append({"label": label, "value": value, "term": phrase})
    return rows


# ---------------------------------------------------------------- parsers per file


def parse_programs(text: str, out: _Collector) -> Parsed:
    """programs.yml: programs, their specializations and the words people use for them."""
    data, lines = _yaml_with_lines(text, out)
    parsed = Parsed("programs", {models.Program: [], models.Specialization: [], models.Synonym: []},
                    synonym_labels=PROGRAM_LABELS)
    root = _mapping(data, (), lines, out)
    programs = root.get("programs")
    if not isinstance(programs, list) or not programs:
        out.add(_line(lines, ("programs",)), "programs", "must be a non-empty list")
        return parsed
    seen: dict[tuple[str, str], str] = {}
    codes: set[str] = set()
    for i, raw in enumerate(programs):
        path = ("programs", i)
        item = _mapping(raw, path, lines, out)
        _unknown_keys(item, {"code", "name", "synonyms", "source", "reviewed", "specializations"}, path, lines, out)
        code = _text(item.get("code"), path + ("code",), lines, out, limit=16).upper()
        if code in codes:
            out.add(_line(lines, path + ("code",)), _name(path + ("code",)), f"duplicate program {code}")
        codes.add(code)
        parsed.rows[models.Program].append({
            "code": code,
            "name": _text(item.get("name"), path + ("name",), lines, out, limit=200),
            "source": _text(item.get("source"), path + ("source",), lines, out, limit=300),
            "reviewed": _date(item.get("reviewed"), path + ("reviewed",), lines, out),
        })
        parsed.rows[models.Synonym] += _synonyms("program", code, item.get("synonyms"), path + ("synonyms",),
                                                 lines, out, seen)
        specs = item.get("specializations") or []
        if not isinstance(specs, list):
            out.add(_line(lines, path + ("specializations",)), _name(path + ("specializations",)), "must be a list")
            continue
        keys: set[str] = set()
        for j, raw_spec in enumerate(specs):
            spath = path + ("specializations", j)
            spec = _mapping(raw_spec, spath, lines, out)
            _unknown_keys(spec, {"key", "name", "synonyms", "online_since", "summary"}, spath, lines, out)
            key = _text(spec.get("key"), spath + ("key",), lines, out, limit=64)
            if key in keys:
                out.add(_line(lines, spath + ("key",)), _name(spath + ("key",)), f"duplicate specialization {key}")
            keys.add(key)
            parsed.rows[models.Specialization].append({
                "program_code": code, "key": key, "position": j,
                "name": _text(spec.get("name"), spath + ("name",), lines, out, limit=200),
                "online_since": _text(spec.get("online_since"), spath + ("online_since",), lines, out,
                                      required=False, limit=64),
                "summary": _text(spec.get("summary"), spath + ("summary",), lines, out, required=False),
            })
            parsed.rows[models.Synonym] += _synonyms("specialization", key, spec.get("synonyms"),
                                                     spath + ("synonyms",), lines, out, seen)
    return parsed


def parse_vocabulary(text: str, out: _Collector) -> Parsed:
    """vocabulary.yml: campuses, delivery modes and terms with the words people use for them."""
    data, lines = _yaml_with_lines(text, out)
    parsed = Parsed("vocabulary", {models.Synonym: []}, synonym_labels=VOCABULARY_LABELS)
    root = _mapping(data, (), lines, out)
    _unknown_keys(root, set(VOCABULARY_LABELS), (), lines, out)
    seen: dict[tuple[str, str], str] = {}
    for label in VOCABULARY_LABELS:
        values = _mapping(root.get(label), (label,), lines, out)
        for value, terms in values.items():
            if label == "timezone" and not _is_zone(str(value)):
                out.add(_line(lines, (label, value)), _name((label, value)),
                        "is not an IANA time zone name such as America/New_York")
            parsed.rows[models.Synonym] += _synonyms(label, str(value), terms, (label, value), lines, out, seen)
    return parsed


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_answers(text: str, out: _Collector) -> Parsed:
    """answers.yml: one answer per FAQ topic, general or per program."""
    data, lines = _yaml_with_lines(text, out)
    parsed = Parsed("answers", {models.Answer: []})
    root = _mapping(data, (), lines, out)
    _unknown_keys(root, {"defaults", "topics"}, (), lines, out)
    defaults = _mapping(root.get("defaults", {}), ("defaults",), lines, out)
    topics = _mapping(root.get("topics"), ("topics",), lines, out)
    if not topics:
        out.add(_line(lines, ("topics",)), "topics", "must list at least one topic")
    for topic, raw in topics.items():
        path = ("topics", topic)
        item = _mapping(raw, path, lines, out)
        _unknown_keys(item, {"title", "answer", "answers", "covered", "source", "reviewed"}, path, lines, out)
        covered = item.get("covered", True)
        if not isinstance(covered, bool):
            out.add(_line(lines, path + ("covered",)), _name(path + ("covered",)), "must be true or false")
            covered = True
        common = {
            "topic": str(topic),
            "title": _text(item.get("title"), path + ("title",), lines, out, limit=200),
            "covered": covered,
            "source": _text(item.get("source", defaults.get("source")), path + ("source",), lines, out, limit=300),
            "reviewed": _date(item.get("reviewed", defaults.get("reviewed")), path + ("reviewed",), lines, out),
        }
        variants = {"": item.get("answer")} if "answer" in item else {}
        per_program = item.get("answers")
        if per_program is not None:
            per_program = _mapping(per_program, path + ("answers",), lines, out)
            variants.update({str(k).upper(): v for k, v in per_program.items()})
        if covered and not variants:
            out.add(_line(lines, path), _name(path), "needs 'answer' or 'answers' (or covered: false)")
        if not covered and not variants:
            variants = {"": ""}
        for program, answer in variants.items():
            apath = path + (("answers", program) if program else ("answer",))
            parsed.rows[models.Answer].append(
                {**common, "program": program, "text": _text(answer, apath, lines, out, required=covered)})
    return parsed


CONTACT_GROUPS = ("office", "crisis")


def parse_contacts(text: str, out: _Collector) -> Parsed:
    """contacts.yml: offices and how to reach them."""
    data, lines = _yaml_with_lines(text, out)
    parsed = Parsed("contacts", {models.Contact: []})
    root = _mapping(data, (), lines, out)
    contacts = root.get("contacts")
    if not isinstance(contacts, list) or not contacts:
        out.add(_line(lines, ("contacts",)), "contacts", "must be a non-empty list")
        return parsed
    keys: set[str] = set()
    for i, raw in enumerate(contacts):
        path = ("contacts", i)
        item = _mapping(raw, path, lines, out)
        allowed = {"key", "name", "group", "purpose", "phone", "fax", "email", "reply_time", "source", "reviewed"}
        _unknown_keys(item, allowed, path, lines, out)
        key = _text(item.get("key"), path + ("key",), lines, out, limit=64)
        if key in keys:
            out.add(_line(lines, path + ("key",)), _name(path + ("key",)), f"duplicate contact {key}")
        keys.add(key)
        row = {"key": key, "position": i, "reviewed": _date(item.get("reviewed"), path + ("reviewed",), lines, out)}
        for name in ("name", "source"):
            row[name] = _text(item.get(name), path + (name,), lines, out, limit=300)
        for name in ("purpose", "phone", "fax", "email", "reply_time"):
            row[name] = _text(item.get(name), path + (name,), lines, out, required=False, limit=200)
        row["group"] = _text(item.get("group", "office"), path + ("group",), lines, out, limit=16)
        if row["group"] not in CONTACT_GROUPS:
            out.add(_line(lines, path + ("group",)), _name(path + ("group",)),
                    f"must be one of {', '.join(CONTACT_GROUPS)}, not {row['group']!r}")
        if row["group"] == "crisis" and not row["phone"]:
            out.add(_line(lines, path), _name(path), "a crisis resource needs a phone number")
        if key == "student_services" and not row["reply_time"]:
            # Told to everyone who hands a question to staff ("They will reply <reply_time>").
            out.add(_line(lines, path), _name(path),
                    "student_services needs reply_time, e.g. 'within two business days'")
        if row["email"] and "@" not in row["email"]:
            out.add(_line(lines, path + ("email",)), _name(path + ("email",)),
                    f"is not an email address: {row['email']!r}")
        parsed.rows[models.Contact].append(row)
    if "student_services" not in keys:
        # Every "I don't have that" answer refers people to this office.
        out.add(_line(lines, ("contacts",)), "contacts", "needs an entry with key: student_services")
    return parsed


def _csv_rows(text: str, columns: tuple[str, ...], out: _Collector) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with its header checked; lines starting with '#' are comments."""
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        out.add(1, "(file)", "is empty; expected a header row: " + ",".join(columns))
        return []
    header_line, header = numbered[0]
    names = [h.strip() for h in next(csv.reader([header]))]
    unknown = [n for n in names if n not in columns]
    missing = [c for c in columns if c not in names]
    if unknown:
        out.add(header_line, ", ".join(unknown), f"unknown column (expected: {', '.join(columns)})")
    if missing:
        out.add(header_line, ", ".join(missing), "missing column")
    if unknown or missing:
        return []
    rows = []
    reader = csv.reader(io.StringIO("\n".join(line for _, line in numbered[1:])))
    for (line_no, _), cells in zip(numbered[1:], reader):
        if len(cells) != len(names):
            out.add(line_no, "(row)", f"has {len(cells)} cells, expected {len(names)}")
            continue
        rows.append((line_no, {n: c.strip() for n, c in zip(names, cells)}))
    return rows


def parse_info_sessions(text: str, out: _Collector) -> Parsed:
    """info_sessions.csv: starts_at (ISO 8601 with offset), format, campus, title, registration_url."""
    columns = ("starts_at", "format", "campus", "title", "registration_url")
    parsed = Parsed("info_sessions", {models.InfoSession: []})
    seen: dict[tuple, int] = {}
    for line, row in _csv_rows(text, columns, out):
        try:
            starts = dt.datetime.fromisoformat(row["starts_at"].replace("Z", "+00:00"))
        except ValueError:
            out.add(line, "starts_at", f"not an ISO 8601 date and time: {row['starts_at']!r}")
            continue
        if starts.tzinfo is None:
            out.add(line, "starts_at", "needs a UTC offset, e.g. 2027-03-06T10:00:00-05:00")
            continue
        fmt = row["format"].lower()
        if fmt not in SESSION_FORMATS:
            out.add(line, "format", f"must be one of {', '.join(SESSION_FORMATS)}, got {row['format']!r}")
        if fmt == "in-person" and not row["campus"]:
            out.add(line, "campus", "is required for an in-person session")
        if not row["title"]:
            out.add(line, "title", "is required")
        url = urlparse(row["registration_url"])
        if url.scheme not in ("http", "https") or not url.netloc:
            out.add(line, "registration_url", f"must be an http(s) address, got {row['registration_url']!r}")
        utc = starts.astimezone(dt.timezone.utc)
        key = (utc, fmt, row["campus"].lower())
        uid = hashlib.sha256(f"{utc.isoformat()}|{fmt}|{row['campus'].lower()}".encode()).hexdigest()[:16]
        if key in seen:
            out.add(line, "(row)", f"duplicates line {seen[key]}")
        seen[key] = line
        parsed.rows[models.InfoSession].append({
            "uid": uid, "starts_at": utc, "format": fmt, "campus": row["campus"], "title": row["title"][:300],
            "registration_url": row["registration_url"]})
    return parsed


def parse_course_schedule(text: str, out: _Collector) -> Parsed:
    """course_schedule.csv: each program's courses by cohort semester (1-6)."""
    columns = ("program", "semester", "term", "session", "course_code", "course_title", "credits")
    parsed = Parsed("course_schedule", {models.Course: []})
    seen: dict[tuple, int] = {}
    for line, row in _csv_rows(text, columns, out):
        values: dict[str, Any] = dict(row)
        values["program"] = row["program"].upper()
        if not values["program"]:
            out.add(line, "program", "is required")
        for name in ("semester", "credits"):
            if not row[name].isdigit() or int(row[name]) == 0:
                out.add(line, name, f"must be a positive whole number, got {row[name]!r}")
                values[name] = 0
            else:
                values[name] = int(row[name])
        if values["semester"] and not 1 <= values["semester"] <= 12:
            out.add(line, "semester", "must be between 1 and 12")
        values["term"] = row["term"].lower()
        if values["term"] not in TERMS:
            out.add(line, "term", f"must be one of {', '.join(TERMS)}, got {row['term']!r}")
        values["session"] = row["session"].lower()
        if values["session"] not in SUMMER_SESSIONS:
            out.add(line, "session", f"must be empty or one of first, second, both; got {row['session']!r}")
        for name in ("course_code", "course_title"):
            if not row[name]:
                out.add(line, name, "is required")
        key = (values["program"], values["semester"], row["course_code"].upper())
        if key in seen:
            out.add(line, "(row)", f"duplicates line {seen[key]}")
        seen[key] = line
        parsed.rows[models.Course].append(values)
    return parsed


PARSERS: dict[str, Callable[[str, _Collector], Parsed]] = {
    "programs.yml": parse_programs,
    "vocabulary.yml": parse_vocabulary,
    "answers.yml": parse_answers,
    "contacts.yml": parse_contacts,
    "info_sessions.csv": parse_info_sessions,
    "course_schedule.csv": parse_course_schedule,
}
# programs.yml first: answers and the schedule refer to its program codes.
LOAD_ORDER = tuple(PARSERS)


def parse_file(path: Path) -> Parsed:
    """Validate one knowledge file completely; raise KnowledgeError listing every problem."""
    out = _Collector(path.name)
    parser = PARSERS.get(path.name)
    if parser is None:
        raise KnowledgeError([Problem(path.name, 0, "(file name)",
                                      f"unknown knowledge file; expected one of: {', '.join(PARSERS)}")])
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
    parsed = parser(text, out)
    if out.problems:
        raise KnowledgeError(out.problems)
    parsed.sha256 = hashlib.sha256(text.encode()).hexdigest()
    return parsed


def check_references(parsed: dict[str, Parsed], known_programs: set[str]) -> list[Problem]:
    """Cross-file checks: answers and schedules must name programs that exist."""
    problems = []
    for name, kind, model in (("answers.yml", "answers", models.Answer),
                              ("course_schedule.csv", "course_schedule", models.Course)):
        if kind not in parsed:
            continue
        for row in parsed[kind].rows[model]:
            if row["program"] and row["program"] not in known_programs:
                problems.append(Problem(name, 0, "program",
                                        f"{row['program']} is not a program in programs.yml"))
    return problems


def validate(paths: list[Path], known_programs: set[str]) -> tuple[dict[str, Parsed], list[Problem]]:
    """Parse every file and cross-check them; programs.yml, when given, defines the known programs."""
    parsed: dict[str, Parsed] = {}
    problems: list[Problem] = []
    for path in paths:
        try:
            parsed[path.name] = parse_file(path)
        except KnowledgeError as exc:
            problems += exc.problems
    if "programs.yml" in parsed:
        known_programs = {row["code"] for row in parsed["programs.yml"].rows[models.Program]}
    problems += check_references({p.kind: p for p in parsed.values()}, known_programs)
    return parsed, problems


def apply(session: Session, parsed: Parsed, now: dt.datetime) -> None:
    """Replace the tables ``parsed`` covers; the caller commits or rolls back as one transaction."""
    session.merge(models.KnowledgeImport(kind=parsed.kind, imported_at=now, sha256=parsed.sha256))
    for model, rows in parsed.rows.items():
        stmt = delete(model)
        if model is models.Synonym:
            stmt = stmt.where(models.Synonym.label.in_(parsed.synonym_labels))
        session.execute(stmt)
        if rows:
            session.execute(model.__table__.insert(), rows)
