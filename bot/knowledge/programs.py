"""programs.yml: the programs, their specializations and the words people use for them."""

from __future__ import annotations

from typing import Iterable

from bot.knowledge.formats import YamlDoc, digest, entry, synonym_terms, write_yaml
from bot.knowledge.records import Program, Record, Records, Specialization, Synonym, of_kind

FILE_NAME = "programs.yml"
KIND = "programs"
RECORDS = (Program, Specialization, Synonym)
# The synonym labels this file owns (vocabulary.yml owns the others).
LABELS = ("program", "specialization")
# Keys of a program and of a specialization, in the order an export writes them.
PROGRAM_KEYS = ("code", "name", "synonyms", "source", "reviewed", "specializations")
SPECIALIZATION_KEYS = ("key", "name", "synonyms", "online_since", "summary")
HEADER = "Programs and specializations (exported by `python -m bot knowledge export`)."


def parse(text: str) -> Records:
    """Validate programs.yml whole; raise KnowledgeError listing every problem."""
    problems, doc, root = YamlDoc.open(FILE_NAME, text)
    programs = doc.required_list(root, "programs")
    items: list[Record] = []
    seen: dict[tuple[str, str], str] = {}
    codes: set[str] = set()
    for i, raw in enumerate(programs):
        path = ("programs", i)
        item = doc.mapping(raw, path)
        doc.unknown_keys(item, PROGRAM_KEYS, path)
        code = doc.text(item.get("code"), path + ("code",), limit=16).upper()
        if code in codes:
            doc.report(path + ("code",), f"duplicate program {code}")
        codes.add(code)
        items.append(Program(
            code=code,
            name=doc.text(item.get("name"), path + ("name",), limit=200),
            source=doc.text(item.get("source"), path + ("source",), limit=300),
            reviewed=doc.date(item.get("reviewed"), path + ("reviewed",)),
        ))
        items += doc.synonyms("program", code, item.get("synonyms"), path + ("synonyms",), seen)
        specs = item.get("specializations") or []
        if not isinstance(specs, list):
            doc.report(path + ("specializations",), "must be a list")
            continue
        items += _specializations(doc, code, specs, path, seen)
    problems.raise_if_any()
    return Records(KIND, RECORDS, tuple(items), LABELS, digest(text))


def _specializations(doc: YamlDoc, code: str, specs: list, path: tuple,
                     seen: dict[tuple[str, str], str]) -> list[Record]:
    items: list[Record] = []
    keys: set[str] = set()
    for j, raw_spec in enumerate(specs):
        spath = path + ("specializations", j)
        spec, key = doc.keyed_item(raw_spec, spath, SPECIALIZATION_KEYS, keys, "specialization")
        items.append(Specialization(
            program_code=code, key=key,
            name=doc.text(spec.get("name"), spath + ("name",), limit=200),
            online_since=doc.text(spec.get("online_since"), spath + ("online_since",), required=False, limit=64),
            summary=doc.text(spec.get("summary"), spath + ("summary",), required=False),
        ))
        items += doc.synonyms("specialization", key, spec.get("synonyms"), spath + ("synonyms",), seen)
    return items


def dump(records: Iterable[Record]) -> str:
    """programs.yml for ``records``, programs and specializations in the order given."""
    records = list(records)
    program_terms, spec_terms = synonym_terms(records, "program"), synonym_terms(records, "specialization")
    specializations = of_kind(records, Specialization)
    programs = []
    for p in of_kind(records, Program):
        specs = [entry(s, SPECIALIZATION_KEYS, synonyms=spec_terms.get(s.key, []))
                 for s in specializations if s.program_code == p.code]
        programs.append(entry(p, PROGRAM_KEYS, synonyms=program_terms.get(p.code, []), specializations=specs))
    return write_yaml({"programs": programs}, HEADER)
