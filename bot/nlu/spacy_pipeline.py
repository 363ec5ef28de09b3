"""Build the spaCy pipeline the NLU uses: English tokenizer, lookup lemmatizer and an entity ruler.

The ruler's patterns come from the knowledge store's names and synonyms, so the words staff list for a
program, specialization, campus, delivery mode or term are recognised as entities. Nothing is
downloaded: the tokenizer is spaCy's own, the lemma tables come from the spacy-lookups-data package.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

import spacy
from spacy.language import Language

from bot.knowledge.records import Synonym

PIPELINE_NAME = "ischool_en"


def patterns(synonyms: Iterable[Synonym]) -> list[dict[str, Any]]:
    """Entity-ruler patterns, one per synonym; the canonical value becomes the pattern id.

    Short acronyms ('mls', 'm.l.s.') also match as one token with or without dots, since spaCy's
    tokenizer keeps 'M.L.S.' whole while the phrase 'm.l.s.' would be split differently.
    """
    result: list[dict[str, Any]] = []
    for s in synonyms:
        result.append({"label": s.label, "pattern": s.term, "id": s.value})
        letters = s.term.replace(".", "")
        if " " not in s.term and letters.isalpha() and len(letters) <= 5:
            regex = r"^" + r"\.?".join(letters) + r"\.?$"
            result.append({"label": s.label, "pattern": [{"LOWER": {"REGEX": regex}}], "id": s.value})
    return result


def build(synonyms: Iterable[Synonym]) -> Language:
    """A blank English pipeline with a lookup lemmatizer and an entity ruler over ``synonyms``."""
    nlp = spacy.blank("en")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["description"] = "Built by `python -m bot nlp build` from the knowledge store's vocabulary."
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    nlp.initialize()
    ruler.add_patterns(patterns(synonyms))  # type: ignore[attr-defined]
    return nlp


def fingerprint(synonyms: Iterable[Synonym]) -> str:
    """A digest of the ruler's patterns, so a build is redone only when they change."""
    rows = sorted(json.dumps(p, sort_keys=True) for p in patterns(synonyms))
    return hashlib.sha256(json.dumps([spacy.__version__, *rows]).encode()).hexdigest()[:16]


def build_to_disk(synonyms: list[Synonym], out_dir: Path, *, force: bool = False) -> bool:
    """Write the pipeline to ``out_dir`` unless an identical one is already there; True when built."""
    digest = fingerprint(synonyms)
    stamp = out_dir / "vocabulary.sha"
    if not force and stamp.exists() and stamp.read_text().strip() == digest:
        return False
    nlp = build(synonyms)
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out_dir)
    stamp.write_text(digest + "\n")
    return True
