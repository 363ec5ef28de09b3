"""The spaCy pipeline the project builds: entities from the knowledge store's names, lemmas from lookups."""

from __future__ import annotations

import pytest

from bot import nlp
from bot.store import KnowledgeStore


@pytest.fixture(scope="module")
def pipeline():
    from tests.conftest import fresh_store

    return nlp.build(fresh_store().synonyms())


@pytest.mark.parametrize(("text", "expected"), [
    ("How long is the M.L.S. program?", [("program", "MLS")]),
    ("is the mim accredited", [("program", "MIM")]),
    ("info sessions at Shady Grove in person?", [("campus", "Shady Grove"), ("delivery_mode", "in-person")]),
    ("what do I take in my first summer of library science", [("term", "first summer"), ("program", "MLS")]),
    ("tell me about eGovernment", [("specialization", "gims")]),
    ("what is the weather like today", []),
    ("I'm in California", [("timezone", "America/Los_Angeles")]),
])
def test_entity_ruler_finds_knowledge_names(pipeline, text, expected) -> None:
    assert [(e.label_, e.ent_id_) for e in pipeline(text).ents] == expected


def test_lookup_lemmatizer_normalises_words(pipeline) -> None:
    assert [t.lemma_ for t in pipeline("sessions are required")] == ["session", "be", "require"]


def test_build_to_disk_is_skipped_when_the_vocabulary_is_unchanged(store: KnowledgeStore, tmp_path) -> None:
    assert nlp.build_to_disk(store.synonyms(), tmp_path / "p") is True
    assert nlp.build_to_disk(store.synonyms(), tmp_path / "p") is False
    import spacy

    loaded = spacy.load(tmp_path / "p")
    assert [e.label_ for e in loaded("the MLS").ents] == ["program"]
