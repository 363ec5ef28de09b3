"""A staff answer from a ticket made an FAQ answer: written into ``knowledge/answers.yml``.

The file stays the source of truth: only the promoted topic's lines are rewritten (every other line,
comments included, is kept byte for byte), the result is checked like any edit, and only then written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge import answers
from bot.knowledge.formats import KnowledgeError

TITLE_MAX = 80
TOPIC_INDENT = "  "  # topics sit two spaces in, under "topics:"


class PromoteError(Exception):
    """The answer cannot go into this topic as it is; the message says what to do."""


@dataclass(frozen=True)
class Promoted:
    """What was written: the topic, whether it is new (it needs training examples) or was not covered."""

    topic: str
    new: bool
    was_not_covered: bool


class _Dumper(yaml.SafeDumper):
    """Multi-line answers as literal blocks (``|-``), the way staff write them."""


_Dumper.add_representer(
    str, lambda dumper, s: dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None))


def promote(path: Path, *, topic: str, answer: str, reference: str, question: str, today: dt.date) -> Promoted:
    """Write ``answer`` as ``topic``'s answer in the answers file at ``path`` (``source: ticket <reference>``).

    A topic marked ``covered: false`` becomes covered; a new topic is added with the question as its title.
    Raises PromoteError, leaving the file untouched, when the result would not be a valid answers file.
    """
    if not re.fullmatch(r"[a-z][a-z0-9_]*", topic):
        raise PromoteError(f"topic names are lower-case words joined by _ (like transfer_credits), not {topic!r}")
    lines = path.read_text().splitlines(keepends=True)
    start, end = _block(lines, topic)
    entry: dict[str, Any] = {"title": " ".join(question.split())[:TITLE_MAX] or topic}
    if start is not None:
        entry = yaml.safe_load("".join(line[len(TOPIC_INDENT):] for line in lines[start:end]))[topic] or {}
    if "answers" in entry:
        raise PromoteError(f"{topic} has an answer per program (answers: MLS/MIM): edit {path.name} by hand")
    was_not_covered = entry.get("covered") is False
    entry.update(answer=answer.strip(), covered=True, source=f"ticket {reference}", reviewed=today)
    written = yaml.dump({topic: entry}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    block = [TOPIC_INDENT + line if line.strip() else line for line in written.splitlines(keepends=True)]
    if start is None:
        start = end = len(lines)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
    text = "".join(lines[:start] + block + lines[end:])
    try:
        answers.parse(text)
    except KnowledgeError as exc:  # the file stays as it was
        raise PromoteError(f"the result would not be a valid {path.name}: {exc}") from None
    path.write_text(text)
    return Promoted(topic, start == len(lines), was_not_covered)


def _block(lines: list[str], topic: str) -> tuple[int | None, int]:
    """The lines of ``topic``'s entry under ``topics:`` (start, end), or (None, end of the topics)."""
    in_topics, start = False, None
    for number, line in enumerate(lines):
        if re.match(r"^topics:\s*(#.*)?$", line):
            in_topics = True
            continue
        indent = len(line) - len(line.lstrip())
        if start is not None and line.strip() and indent <= len(TOPIC_INDENT):
            return start, number
        if in_topics and re.match(rf"^{TOPIC_INDENT}{re.escape(topic)}:\s*(#.*)?$", line):
            start = number
        elif in_topics and line.strip() and indent == 0:
            return None, number  # a key after topics: a new topic goes before it
    return start, len(lines)
