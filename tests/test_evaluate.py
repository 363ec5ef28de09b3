"""The measuring tools: figures over seeds, wrong-topic answers, multi-turn checks."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import PROJECT_ROOT
from tools import evaluate, seeds
from tools.evaluate import Example


def test_spread_over_seeds() -> None:
    figure = seeds.spread([0.96, 0.98, 0.97])
    assert figure["mean"] == pytest.approx(0.97)
    assert figure["min"] == 0.96 and figure["max"] == 0.98 and figure["runs"] == 3
    assert seeds.describe(figure) == "97.0 % ± 0.8 (96.0-98.0, 3 seeds)"


def test_aggregate_keeps_numeric_figures_present_in_every_run() -> None:
    summary = seeds.aggregate([{"accuracy": 0.9, "note": "x", "clinc": 0.95}, {"accuracy": 0.8}])
    assert set(summary) == {"accuracy"}
    assert summary["accuracy"]["mean"] == pytest.approx(0.85)


def test_seeded_config_changes_only_the_seeds(tmp_path) -> None:
    # The shipped classifier is deterministic (no seed); a DIET candidate has two seeded components.
    candidate = PROJECT_ROOT / "bench" / "pipelines" / "spacy_diet_transformer.yml"
    out = seeds.seeded_config(candidate, 7, tmp_path / "c.yml")
    original = yaml.safe_load(candidate.read_text())
    seeded = yaml.safe_load(out.read_text())
    assert [c.get("random_seed") for c in seeded["pipeline"] if "random_seed" in c] == [7, 7]
    for before, after in zip(original["pipeline"], seeded["pipeline"]):
        assert {k: v for k, v in before.items() if k != "random_seed"} == \
               {k: v for k, v in after.items() if k != "random_seed"}


def test_wrong_topic_counts_only_answers_with_facts() -> None:
    examples = [Example(t, "uncovered") for t in ("a", "b", "c", "d")]
    predicted = ["faq/credits", "faq/tuition", "nlu_fallback", "ask_class_schedule"]
    result = evaluate.uncovered(examples, predicted, {"faq/credits", "ask_class_schedule"})
    assert result["wrong_topic_rate"] == 0.5
    assert result["answered_as"] == {"faq/credits": 1, "ask_class_schedule": 1}


def test_false_rejection_ignores_off_topic_examples() -> None:
    examples = [Example("a", "greet"), Example("b", "faq/credits"), Example("c", "out_of_scope")]
    assert evaluate.false_rejection(examples, ["nlu_fallback", "faq/credits", "out_of_scope"]) == 0.5


class FakeServers:
    """Answers from a script: {message: reply}."""

    def __init__(self, script: dict[str, str]) -> None:
        self.script = script
        self.senders: list[str] = []

    def say(self, sender: str, message: str) -> list[dict]:
        self.senders.append(sender)
        return [{"text": self.script.get(message, "Sorry, I didn't catch that.")}]


def test_a_conversation_fails_on_a_missing_or_unwanted_phrase_and_stops_there() -> None:
    servers = FakeServers({"how long?": "For the online MLS: two calendar years", "MLS": "Which program do you mean?"})
    conversations = [
        {"name": "ok", "turns": [{"say": "how long?", "expect": ["two calendar years"]}]},
        {"name": "bad", "turns": [{"say": "MLS", "expect": [], "reject": ["which program"]},
                                  {"say": "how long?", "expect": ["two"]}]},
    ]
    result = evaluate.check_conversations(servers, conversations)
    assert result["passed"] == 1
    assert result["failures"][0]["unwanted"] == ["which program"]
    assert len(servers.senders) == 2 and servers.senders[0] != servers.senders[1]


def test_the_conversation_checks_file_is_well_formed() -> None:
    conversations = evaluate.read_conversations(PROJECT_ROOT / "tests" / "conversation_checks.yml")
    assert len(conversations) >= 40
    for conversation in conversations:
        assert conversation["name"] and len(conversation["turns"]) >= 2
        assert all(turn["say"].strip() and (turn.get("expect") or turn.get("reject")) for turn in conversation["turns"])


def test_wrong_answers_count_other_labels_but_not_rejections() -> None:
    examples = [evaluate.Example("a", "faq/credits"), evaluate.Example("b", "faq/credits"),
                evaluate.Example("c", "greet"), evaluate.Example("d", "greet")]
    assert evaluate.wrong_answers(examples, ["faq/duration", "nlu_fallback", "greet", "out_of_scope"]) == 0.25


def test_relayed_questions_count_right_labels_and_honest_answers_to_uncovered_ones() -> None:
    examples = [evaluate.Example("a", "faq/credits"), evaluate.Example("b", "faq/credits"),
                evaluate.Example("c", "uncovered"), evaluate.Example("d", "uncovered")]
    answering = {"faq/credits", "faq/duration"}
    assert evaluate.relayed(examples, ["faq/credits", "faq/duration", "faq/not_covered", "faq/duration"],
                            answering) == 0.5
