"""The README, docs/ and the CHANGELOG point at things that exist: links and their anchors, make targets,
commands, and the settings tables. Fast, no model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import cli as bot_cli
from bot import config
from tests.conftest import PROJECT_ROOT
from tools import cli as tools_cli

DOCS = [PROJECT_ROOT / "README.md", PROJECT_ROOT / "CHANGELOG.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
# The CHANGELOG is history: it names commands and files as they were then.
CURRENT = [doc for doc in DOCS if doc.name != "CHANGELOG.md"]
IDS = [str(doc.relative_to(PROJECT_ROOT)) for doc in DOCS]
CURRENT_IDS = [str(doc.relative_to(PROJECT_ROOT)) for doc in CURRENT]
FENCE = re.compile(r"^\s*(```|~~~)")


def split(text: str) -> tuple[str, list[str]]:
    """The prose (fenced blocks blanked, so line numbers hold) and the lines inside fenced blocks."""
    prose, code, inside = [], [], False
    for line in text.splitlines():
        if FENCE.match(line):
            inside = not inside
            prose.append("")
        elif inside:
            code.append(line)
            prose.append("")
        else:
            prose.append(line)
    return "\n".join(prose), code


def code_texts(doc: Path) -> list[str]:
    """Every inline code span (one line, even when the span wraps) and every line of the fenced blocks."""
    prose, code = split(doc.read_text())
    return [" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)] + code


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in split(doc.read_text())[0].splitlines():
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            name = slug(heading.group(1))
            found.add(name if name not in seen else f"{name}-{seen[name]}")
            seen[name] = seen.get(name, 0) + 1
    return found


def links(doc: Path) -> list[str]:
    """The targets of the document's relative links (web addresses left out)."""
    targets = re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", split(doc.read_text())[0])
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_anchors_follow_github() -> None:
    assert slug("What remains the operator's job") == "what-remains-the-operators-job"
    assert slug("`make eval` after round 9") == "make-eval-after-round-9"
    assert slug("docs/operations.md → Channels") == "docsoperationsmd--channels"


def resolve(doc: Path, path: str) -> Path:
    """Where a link from ``doc`` leads: the document itself, a path from the repository's root, or beside it."""
    if not path:
        return doc
    if path.startswith("/"):
        return PROJECT_ROOT / path.lstrip("/")
    return (doc.parent / path).resolve()


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_every_relative_link_and_anchor_resolves(doc: Path) -> None:
    broken = []
    for target in links(doc):
        path, _, anchor = target.partition("#")
        destination = resolve(doc, path)
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor}")
    assert broken == []


def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z0-9-]*):", (PROJECT_ROOT / "Makefile").read_text(), re.MULTILINE))


def named_make_targets(doc: Path) -> set[str]:
    """The targets of every `make ...` written as code (variables such as CLINC=... and options skipped)."""
    named = set()
    for text in code_texts(doc):
        for run in re.finditer(r"(?:^|[\s;&|(])make((?:\s+[^\s;&|#)]+)*)", text):
            for word in run.group(1).split():
                if re.fullmatch(r"[A-Z_]+=\S*|-\S+", word):
                    continue
                if not re.fullmatch(r"[a-z][a-z0-9-]*", word):
                    break
                named.add(word)
    return named


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_every_make_target_named_exists(doc: Path) -> None:
    assert named_make_targets(doc) - make_targets() == set()


def test_the_make_targets_are_found() -> None:
    assert {"run", "test", "help"} <= named_make_targets(PROJECT_ROOT / "README.md")
    assert {"build", "train", "eval", "cluster", "loadtest"} <= named_make_targets(
        PROJECT_ROOT / "docs" / "operations.md")


def named_commands(doc: Path) -> set[tuple[str, ...]]:
    """("bot" | "tools", command words...) for every `python -m bot ...` or `python -m tools ...` written."""
    named = set()
    for text in code_texts(doc):
        for found in re.finditer(r"python -m (bot|tools)((?: [a-z][a-z-]*){0,2})(?![\w./-])", text):
            named.add((found.group(1), *found.group(2).split()))
    return named


@pytest.mark.parametrize("doc", CURRENT, ids=CURRENT_IDS)
def test_every_command_named_exists(doc: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unknown = []
    for program, *words in sorted(named_commands(doc)):
        parser = (bot_cli if program == "bot" else tools_cli).build_parser()
        with pytest.raises(SystemExit) as exit_:  # --help exits 0; an unknown command exits 2 first
            parser.parse_args([*words, "--help"])
        if exit_.value.code != 0:
            unknown.append(" ".join(["python -m", program, *words]))
    capsys.readouterr()
    assert unknown == []


def test_the_commands_are_found() -> None:
    named = named_commands(PROJECT_ROOT / "docs" / "staff.md")
    assert ("bot", "handoffs", "close") in named and ("bot", "knowledge", "stale") in named


def settings_read() -> set[str]:
    source = Path(config.__file__).read_text().split("def load_settings", 1)[1]
    return set(re.findall(r'"([A-Z][A-Z0-9_]{3,})"', source))


def table_variables(doc: Path, heading: str) -> set[str]:
    section = doc.read_text().split(f"\n{heading}\n", 1)[1]
    section = re.split(r"\n#{1,3} ", section, maxsplit=1)[0]
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", section, re.MULTILINE))


@pytest.mark.parametrize(("doc", "heading"), [("docs/operations.md", "### The application's settings")])
def test_the_settings_tables_list_exactly_what_load_settings_reads(doc: str, heading: str) -> None:
    assert table_variables(PROJECT_ROOT / doc, heading) == settings_read()
