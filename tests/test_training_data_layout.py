"""data/nlu/ is filed by what it teaches, and the move to that layout kept every training example.

One file per label: ``faq/<topic>.yml`` for a topic the programs page answers, ``not_covered/<topic>.yml``
for one it does not (``covered: false`` in knowledge/answers.yml), ``conversation/``, ``handoff/`` and
``programs/`` for the other intents, and ``crisis.yml``, ``out_of_scope.yml``, ``follow_up.yml``. Each file
is named after its label, and its families (plain, mixed registers, long, forwarded...) sit side by side
under comment headings. Commit 9730bdf is the tree before the move, when files were named after the round
of data work that wrote them; commit 14bfbbb is the move. The proof compares those two trees, so data
written since (new topics, more examples) does not disturb it; the layout checks read the tree as it is.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.formats.readerwriter import TrainingDataWriter
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.training_data import TrainingData

from tests.conftest import IN_CI, PROJECT_ROOT

BEFORE_THE_MOVE, THE_MOVE = "9730bdf", "14bfbbb"
NLU = PROJECT_ROOT / "data" / "nlu"
FILES = sorted(NLU.rglob("*.yml"))
# Which folder an intent's file sits in; FAQ topics go by knowledge/answers.yml, the rest at the top.
FOLDERS = {
    "conversation": {"greet", "goodbye", "thank", "bot_challenge", "ask_capabilities", "affirm", "deny"},
    "handoff": {"request_human", "give_contact", "correct_field", "skip", "stop"},
    "programs": {"ask_info_sessions", "ask_class_schedule", "ask_specializations", "ask_contact"},
}
# Lookup tables sit in the file of the label they serve; bot/nlu/safety.py reads crisis_phrases by name.
LOOKUP_FILES = {"crisis_phrases": "crisis.yml"}


@functools.cache
def read(path: Path) -> TrainingData:
    return load_data(str(path))


def label(message) -> str:
    """``faq/<topic>`` for the retrieval intent, the intent otherwise."""
    return message.get("intent_response_key") or message.get("intent")


def examples(data: TrainingData) -> Counter:
    """(text as written, entity annotations included; label) for every example Rasa reads."""
    return Counter((TrainingDataWriter.generate_message(m), label(m)) for m in data.intent_examples)


def entities(data: TrainingData) -> Counter:
    return Counter((m.get("text"), label(m), tuple(tuple(sorted(e.items())) for e in m.get("entities", [])))
                   for m in data.intent_examples)


def written_lines(folder: Path) -> Counter:
    """(label, example line) as written in the files, repeats counted: Rasa drops a repeat when it merges files."""
    found: Counter = Counter()
    for path in folder.rglob("*.yml"):
        for block in yaml.safe_load(path.read_text()).get("nlu", []):
            name = next(f"{key}:{block[key]}" for key in ("intent", "lookup", "synonym", "regex") if key in block)
            found.update((name, line[1:].strip()) for line in block["examples"].splitlines() if line.startswith("-"))
    return found


def why_git_cannot_help() -> str | None:
    if shutil.which("git") is None:
        return "git is not installed"
    for commit in (BEFORE_THE_MOVE, THE_MOVE):
        run = subprocess.run(["git", "-C", str(PROJECT_ROOT), "cat-file", "-e", f"{commit}^{{commit}}"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            return (f"commit {commit} (of the move) is not in this clone's history "
                    f"(a shallow clone? git fetch --unshallow): {run.stderr.strip()}")
    return None


def tree_at(commit: str, folder: Path) -> Path:
    """data/nlu/ as it was at ``commit``, written out from git into ``folder``."""
    reason = why_git_cannot_help()
    if reason:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    names = subprocess.run(["git", "-C", str(PROJECT_ROOT), "ls-tree", "-r", "--name-only", commit,
                            "--", "data/nlu/"], capture_output=True, text=True, check=True).stdout.split()
    for name in names:
        text = subprocess.run(["git", "-C", str(PROJECT_ROOT), "show", f"{commit}:{name}"],
                              capture_output=True, text=True, check=True).stdout
        target = folder / Path(name).relative_to("data/nlu")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return folder


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/nlu/ as it was before the move."""
    return tree_at(BEFORE_THE_MOVE, tmp_path_factory.mktemp("nlu_before"))


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/nlu/ right after the move."""
    return tree_at(THE_MOVE, tmp_path_factory.mktemp("nlu_moved"))


@pytest.fixture(scope="module")
def old(before: Path) -> TrainingData:
    return load_data(str(before))


@pytest.fixture(scope="module")
def new(moved: Path) -> TrainingData:
    return load_data(str(moved))


def test_the_move_kept_every_example_with_its_label(old: TrainingData, new: TrainingData) -> None:
    was, now = examples(old), examples(new)
    assert sum(was.values()) > 7000, "the tree before the move was read"
    assert list((was - now).items())[:10] == [], "examples lost or relabelled by the move"
    assert list((now - was).items())[:10] == [], "examples the move added or relabelled"
    labels = {label(m) for m in old.intent_examples}
    assert Counter({k: n for k, n in entities(new).items() if k[1] in labels}) == entities(old), (
        "entity annotations changed")


def test_the_move_kept_every_written_line_and_its_repeats(before: Path, moved: Path) -> None:
    was, now = written_lines(before), written_lines(moved)
    assert max(was.values()) > 1, "the five out_of_scope repeats are counted"
    assert was - now == Counter() and now - was == Counter()


def test_lookup_tables_synonyms_and_regexes_are_unchanged(old: TrainingData, new: TrainingData) -> None:
    assert old.lookup_tables, "the crisis_phrases table was read"
    assert sorted(new.lookup_tables, key=lambda t: t["name"]) == sorted(old.lookup_tables, key=lambda t: t["name"])
    assert new.entity_synonyms == old.entity_synonyms
    assert new.regex_features == old.regex_features


def covered_topics() -> dict[str, bool]:
    topics = yaml.safe_load((PROJECT_ROOT / "knowledge" / "answers.yml").read_text())["topics"]
    return {topic: entry.get("covered", True) for topic, entry in topics.items()}


def expected_folder(name: str) -> str:
    if name.startswith("faq/"):
        topic = name.split("/", 1)[1]
        assert topic in covered_topics(), f"{name}: no topic {topic} in knowledge/answers.yml"
        return "faq" if covered_topics()[topic] else "not_covered"
    return next((folder for folder, intents in FOLDERS.items() if name in intents), ".")


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(NLU)) for p in FILES])
def test_each_file_teaches_one_label_and_is_named_after_it(path: Path) -> None:
    data = read(path)
    labels = {label(m) for m in data.intent_examples}
    assert len(labels) == 1, f"one label per file, found {sorted(labels)}"
    name = labels.pop()
    assert path.stem == name.split("/")[-1], f"a file holding {name} is named after it"
    assert str(path.parent.relative_to(NLU)) == expected_folder(name), (
        f"{name} belongs in data/nlu/{expected_folder(name)}/ (a topic moves between faq/ and not_covered/ "
        "when its covered: flag in knowledge/answers.yml changes)")
    for table in data.lookup_tables:
        assert str(path.relative_to(NLU)) == LOOKUP_FILES.get(table["name"]), f"where lookup {table['name']} lives"


def test_each_label_is_taught_in_one_file() -> None:
    """"What does it know about X?" is one file: no label is spread over several."""
    places = Counter(name for path in FILES for name in {label(m) for m in read(path).intent_examples})
    assert {name: n for name, n in places.items() if n > 1} == {}


def test_no_file_or_heading_is_named_after_a_round() -> None:
    assert FILES, "data/nlu/ is read"
    named = [p for p in NLU.rglob("*") if "round" in str(p.relative_to(NLU)).lower()]
    headings = [f"{p.relative_to(NLU)}: {line.strip()}" for p in FILES for line in p.read_text().splitlines()
                if line.lstrip().startswith("#") and re.search(r"\bround[-_ ]?\d", line, re.IGNORECASE)]
    assert named == [] and headings == []
