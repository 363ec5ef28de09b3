"""vocabulary.yml: campuses, delivery modes, terms and time zones, with the words people use for them."""

from __future__ import annotations

from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.knowledge.formats import YamlDoc, digest, synonym_terms, write_yaml
from bot.knowledge.records import Record, Records, Synonym

FILE_NAME = "vocabulary.yml"
KIND = "vocabulary"
RECORDS = (Synonym,)
# The top-level keys, each a synonym label this file owns (programs.yml owns the others).
LABELS = ("campus", "delivery_mode", "term", "timezone")
HEADER = "Names the assistant recognises (exported by `python -m bot knowledge export`)."


def parse(text: str) -> Records:
    """Validate vocabulary.yml whole; raise KnowledgeError listing every problem."""
    problems, doc, root = YamlDoc.open(FILE_NAME, text)
    doc.unknown_keys(root, LABELS, ())
    items: list[Record] = []
    seen: dict[tuple[str, str], str] = {}
    for label in LABELS:
        values = doc.mapping(root.get(label), (label,))
        for value, terms in values.items():
            if label == "timezone" and not _is_zone(str(value)):
                doc.report((label, value), "is not an IANA time zone name such as America/New_York")
            items += doc.synonyms(label, str(value), terms, (label, value), seen)
    problems.raise_if_any()
    return Records(KIND, RECORDS, tuple(items), LABELS, digest(text))


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def dump(records: Iterable[Record]) -> str:
    """vocabulary.yml for ``records`` (synonyms of other labels are left out)."""
    records = list(records)
    return write_yaml({label: synonym_terms(records, label) for label in LABELS}, HEADER)
