"""What the staff file formats share: problems reported by file, line and field, and YAML and CSV in and out.

Every file is validated completely before anything is written; a file with any error changes nothing.
Problems name the file, the line and the field so that staff can fix them without a developer.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import yaml

from bot.knowledge.records import Synonym, of_kind

# Where a value sits in a YAML file: mapping keys and list positions from the top, e.g. ("topics", "gre").
YamlPath = tuple[Any, ...]


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


class Problems:
    """Gathers the problems of one file while it is parsed."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.found: list[Problem] = []

    def add(self, line: int, field: str, message: str) -> None:
        """Note a problem at ``line`` with ``field``."""
        self.found.append(Problem(self.file, line, field, message))

    def error(self) -> KnowledgeError:
        """The error refusing the file for every problem found."""
        return KnowledgeError(self.found)

    def raise_if_any(self) -> None:
        """Refuse the file if anything was found."""
        if self.found:
            raise self.error()


def digest(text: str) -> str:
    """The SHA-256 of a file's text, recorded with each import."""
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- YAML in


class YamlDoc:
    """A YAML staff file: its data, the line of every mapping key and list item, and its problems."""

    def __init__(self, text: str, problems: Problems) -> None:
        self.problems = problems
        self.data: Any = None
        self._lines: dict[YamlPath, int] = {}
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            self.data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.add(mark.line + 1 if mark else 1, "(file)", f"not valid YAML: {getattr(exc, 'problem', exc)}")
            return
        self._index(node, ())

    def _index(self, node: yaml.Node | None, path: YamlPath) -> None:
        if node is None:
            return
        self._lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = path + (key_node.value,)
                self._index(value_node, child)
                self._lines[child] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._index(item, path + (i,))

    def line(self, path: YamlPath) -> int:
        """The line of ``path``, or of its nearest parent that has one."""
        while path and path not in self._lines:
            path = path[:-1]
        return self._lines.get(path, 1)

    def report(self, path: YamlPath, message: str, *, line_of: YamlPath | None = None) -> None:
        """A problem with the field at ``path`` (on the line of ``line_of`` when given)."""
        self.problems.add(self.line(path if line_of is None else line_of), field_name(path), message)

    def text(self, value: Any, path: YamlPath, *, required: bool = True, limit: int = 2000) -> str:
        """A text field, spaces collapsed within each line."""
        if value is None or value == "":
            if required:
                self.report(path, "is required")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.report(path, "must be text")
            return ""
        # Literal YAML blocks keep their line breaks (lists in comparisons); spaces within a line collapse.
        text = "\n".join(" ".join(line.split()) for line in str(value).strip().splitlines() if line.strip())
        if len(text) > limit:
            self.report(path, f"is longer than {limit} characters")
        return text

    def date(self, value: Any, path: YamlPath) -> dt.date:
        """A date field such as 2026-11-27."""
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.report(path, f"must be a date like 2026-11-27, got {value!r}")
            return dt.date.min

    @classmethod
    def open(cls, file_name: str, text: str) -> tuple[Problems, YamlDoc, dict]:
        """A staff file's problems collector, document and top-level mapping."""
        problems = Problems(file_name)
        doc = cls(text, problems)
        return problems, doc, doc.mapping(doc.data, ())

    def required_list(self, root: dict, key: str) -> list:
        """The non-empty list under ``key``; raises KnowledgeError (with every problem so far) otherwise."""
        value = root.get(key)
        if not isinstance(value, list) or not value:
            self.report((key,), "must be a non-empty list")
            raise self.problems.error()
        return value

    def keyed_item(self, raw: Any, path: YamlPath, allowed: Iterable[str], seen: set[str],
                   what: str) -> tuple[dict, str]:
        """A list item with a unique ``key``: its mapping and key (added to ``seen``; a repeat is reported)."""
        item = self.mapping(raw, path)
        self.unknown_keys(item, allowed, path)
        key = self.text(item.get("key"), path + ("key",), limit=64)
        if key in seen:
            self.report(path + ("key",), f"duplicate {what} {key}")
        seen.add(key)
        return item, key

    def mapping(self, value: Any, path: YamlPath) -> dict:
        """A mapping of names to values (empty, and reported, when it is something else)."""
        if not isinstance(value, dict):
            self.report(path, "must be a mapping of names to values")
            return {}
        return value

    def unknown_keys(self, item: dict, allowed: Iterable[str], path: YamlPath) -> None:
        """Report every key of ``item`` that is not ``allowed``."""
        allowed = set(allowed)
        for key in item:
            if key not in allowed:
                self.report(path + (key,), f"unknown field (expected one of: {', '.join(sorted(allowed))})")

    def synonyms(self, label: str, value: str, terms: Any, path: YamlPath,
                 seen: dict[tuple[str, str], str]) -> list[Synonym]:
        """``value`` and the phrases for it, lower-cased; a phrase may mean only one value per label."""
        if terms is None:
            terms = []
        if not isinstance(terms, list):
            self.report(path, "must be a list of phrases")
            return []
        found = []
        for i, term in enumerate([value, *terms]):
            phrase = " ".join(str(term).lower().split())
            if not phrase:
                continue
            owner = seen.get((label, phrase))
            if owner is not None and owner != value:
                self.report(path, f"'{phrase}' already means {owner}", line_of=path + (max(i - 1, 0),))
                continue
            if owner is None:
                seen[(label, phrase)] = value
                found.append(Synonym(label, value, phrase))
        return found


def field_name(path: YamlPath) -> str:
    """How a problem names the field at ``path``: 'topics.gre.title'."""
    return ".".join(str(p) for p in path) or "(file)"


# ---------------------------------------------------------------- YAML out


class _Block(str):
    """A string written as a YAML block (keeps line breaks readable)."""


def _represent_block(dumper: yaml.SafeDumper, value: _Block) -> yaml.ScalarNode:
    style = "|" if "\n" in value else ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Block, _represent_block)


def block(text: str) -> str:
    """``text`` to be written as a YAML block rather than one quoted line."""
    return _Block(text)


def write_yaml(data: Any, header: str) -> str:
    """A YAML file with a one-line comment on top."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"# {header}\n{body}"


def entry(record: Any, keys: Sequence[str], **computed: Any) -> dict[str, Any]:
    """``record``'s values under ``keys`` in that order, dates as ISO text; ``computed`` gives the others."""
    values = {}
    for key in keys:
        value = computed[key] if key in computed else getattr(record, key)
        values[key] = value.isoformat() if isinstance(value, dt.date) else value
    return values


def synonym_terms(records: Iterable[Any], label: str) -> dict[str, list[str]]:
    """The phrases for each value of ``label``, in their order."""
    terms: dict[str, list[str]] = {}
    for synonym in of_kind(records, Synonym):
        if synonym.label == label:
            terms.setdefault(synonym.value, []).append(synonym.term)
    return terms


# ---------------------------------------------------------------- CSV in and out


def read_csv(text: str, columns: Sequence[str], problems: Problems) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with their line numbers, the header checked; lines starting with '#' are comments."""
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        problems.add(1, "(file)", "is empty; expected a header row: " + ",".join(columns))
        return []
    header_line, header = numbered[0]
    names = [h.strip() for h in next(csv.reader([header]))]
    unknown = [n for n in names if n not in columns]
    missing = [c for c in columns if c not in names]
    if unknown:
        problems.add(header_line, ", ".join(unknown), f"unknown column (expected: {', '.join(columns)})")
    if missing:
        problems.add(header_line, ", ".join(missing), "missing column")
    if unknown or missing:
        return []
    rows = []
    reader = csv.reader(io.StringIO("\n".join(line for _, line in numbered[1:])))
    for (line_no, _), cells in zip(numbered[1:], reader):
        if len(cells) != len(names):
            problems.add(line_no, "(row)", f"has {len(cells)} cells, expected {len(names)}")
            continue
        rows.append((line_no, {n: c.strip() for n, c in zip(names, cells)}))
    return rows


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV file: the header, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue()
