"""CLINC150 is for measuring only: none of its sentences may appear anywhere in the project."""

from __future__ import annotations

import json
import os
import re

import pytest

from tests.conftest import PROJECT_ROOT

CLINC = PROJECT_ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json"
SKIPPED_DIRS = {".git", ".venv", "models", "results", "var", "build", "node_modules", "__pycache__",
                ".pytest_cache", ".ruff_cache", ".rasa"}
TEXT_FILES = (".yml", ".yaml", ".json", ".csv", ".txt", ".md", ".py", ".js", ".html")


def normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def project_lines():
    for root, dirs, files in os.walk(PROJECT_ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            if name.endswith(TEXT_FILES):
                path = os.path.join(root, name)
                with open(path, errors="ignore") as handle:
                    for number, line in enumerate(handle, 1):
                        yield os.path.relpath(path, PROJECT_ROOT), number, line


@pytest.fixture(scope="module")
def clinc_sentences() -> set[str]:
    if not CLINC.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CLINC150 is missing at {CLINC}")
        pytest.skip(f"CLINC150 is not at {CLINC}")
    data = json.loads(CLINC.read_text())
    return {normalise(text) for split in data.values() for text, _ in split if len(text.split()) >= 5}


def test_no_clinc150_sentence_of_five_words_or_more_is_in_the_project(clinc_sentences) -> None:
    found = [f"{path}:{number}: {line.strip()}" for path, number, line in project_lines()
             if normalise(re.sub(r"^\s*-\s*|[\"']", "", line)) in clinc_sentences]
    assert found == []


def test_the_check_finds_a_planted_sentence(clinc_sentences) -> None:
    """The normalisation really matches: a benchmark sentence written as a YAML example is caught."""
    planted = next(iter(clinc_sentences))
    assert normalise(re.sub(r"^\s*-\s*|[\"']", "", f"    - {planted.upper()}!\n")) in clinc_sentences
