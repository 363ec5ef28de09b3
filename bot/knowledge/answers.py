"""answers.yml: the answer to each FAQ topic, for everyone or per program."""

from __future__ import annotations

from typing import Any, Iterable

from bot.knowledge.formats import YamlDoc, block, digest, write_yaml
from bot.knowledge.records import Answer, Record, Records, of_kind

FILE_NAME = "answers.yml"
KIND = "answers"
RECORDS = (Answer,)
ROOT_KEYS = ("defaults", "topics")
# Keys of a topic, in the order an export writes them; "defaults" gives source and reviewed to all.
TOPIC_KEYS = ("title", "source", "reviewed", "covered", "answer", "answers")
HEADER = "FAQ answers (exported by `python -m bot knowledge export`)."


def parse(text: str) -> Records:
    """Validate answers.yml whole; raise KnowledgeError listing every problem."""
    problems, doc, root = YamlDoc.open(FILE_NAME, text)
    doc.unknown_keys(root, ROOT_KEYS, ())
    defaults = doc.mapping(root.get("defaults", {}), ("defaults",))
    topics = doc.mapping(root.get("topics"), ("topics",))
    if not topics:
        doc.report(("topics",), "must list at least one topic")
    items: list[Record] = []
    for topic, raw in topics.items():
        items += _topic(doc, topic, raw, defaults)
    problems.raise_if_any()
    return Records(KIND, RECORDS, tuple(items), sha256=digest(text))


def _topic(doc: YamlDoc, topic: Any, raw: Any, defaults: dict) -> list[Answer]:
    """The answers of one topic: a general one, per-program ones, or an empty one when not covered."""
    path = ("topics", topic)
    item = doc.mapping(raw, path)
    doc.unknown_keys(item, TOPIC_KEYS, path)
    covered = item.get("covered", True)
    if not isinstance(covered, bool):
        doc.report(path + ("covered",), "must be true or false")
        covered = True
    title = doc.text(item.get("title"), path + ("title",), limit=200)
    source = doc.text(item.get("source", defaults.get("source")), path + ("source",), limit=300)
    reviewed = doc.date(item.get("reviewed", defaults.get("reviewed")), path + ("reviewed",))
    variants = {"": item.get("answer")} if "answer" in item else {}
    per_program = item.get("answers")
    if per_program is not None:
        per_program = doc.mapping(per_program, path + ("answers",))
        variants.update({str(k).upper(): v for k, v in per_program.items()})
    if covered and not variants:
        doc.report(path, "needs 'answer' or 'answers' (or covered: false)")
    if not covered and not variants:
        variants = {"": ""}
    if covered and variants and all(answer is None for answer in variants.values()):
        doc.report(path, "needs at least one answer (a program left empty means the page says nothing for it)")
    answers = []
    for program, answer in variants.items():
        apath = path + (("answers", program) if program else ("answer",))
        # "MIM: ~" under answers: the page describes this topic for the other program only.
        variant_covered = covered and not (program and answer is None)
        answers.append(Answer(topic=str(topic), program=program, title=title,
                              text=doc.text(answer, apath, required=variant_covered), covered=variant_covered,
                              source=source, reviewed=reviewed))
    return answers


def dump(records: Iterable[Record]) -> str:
    """answers.yml for ``records``: one entry per topic with its general or per-program answers."""
    topics: dict[str, dict[str, Any]] = {}
    covered: set[str] = set()
    for a in of_kind(records, Answer):
        entry = topics.setdefault(a.topic, {"title": a.title, "source": a.source, "reviewed": a.reviewed.isoformat()})
        if a.covered:
            covered.add(a.topic)
        if a.program:
            entry.setdefault("answers", {})[a.program] = block(a.text) if a.covered else None
        elif a.covered or a.text:  # not covered: the optional note of what the page says nearby
            entry["answer"] = block(a.text)
    for topic, entry in topics.items():
        if topic not in covered:
            entry["covered"] = False
            entry.pop("answers", None)
    ordered = {topic: {key: entry[key] for key in TOPIC_KEYS if key in entry} for topic, entry in topics.items()}
    return write_yaml({"topics": ordered}, HEADER)
