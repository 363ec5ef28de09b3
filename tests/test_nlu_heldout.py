"""The trained model on the held-out set (tests/nlu/heldout.yml), which is never trained on."""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT_ROOT, require_model
from tools import evaluate

pytestmark = pytest.mark.model

# Floors a change must not fall below. After issue 22's fifth round (2026-12-07) the set has 719 questions, 14 of
# them the new pushback intent's (written apart from the training data): intent+topic 677 and intent 687 of 719,
# of which 668 and 678 of the 705 questions before it (one more each than after the fourth round) and 9 of the
# 14 pushback phrasings. The floors keep their margins of 3 and 2 questions below the figures.
# After issue 22's fourth round (2026-12-07): intent+topic 667 and intent
# 677 of 705 (measured before and after the review fixes: the new examples cost two each); the intent floor
# is 2 below (it had been 677, which the figure reached). After the third round: intent+topic 669 and intent
# 679 of 705, as after the second round (its crisis screening first cost one question each; later examples
# chosen on the development sets won them back). A floor sitting exactly on its figure is a record, not a
# guard: the intent+topic floor is 4 questions below the figure (what one added example has moved it in each of
# the last rounds); the intent floor keeps its margin of 2. Measured before, with the
# float32 encoder: intent+topic 673 of 705
# and intent 684 of 705 (665 and 677 of 689 before the ticket-status and reminder intents; 657 and 665 of 673
# before the new topic), the same under OpenBLAS's Zen, SkylakeX and Prescott kernels and one or two threads
# (the encoder's float32 vectors agree to 1.5e-7 between AVX-512 VNNI and an emulated AVX2 CPU, so the
# instruction set does not move them; docs/nlu.md, "Reproducible across CPUs"). The margin is the largest
# change a CPU made when the encoder ran in int8, which differs by instruction set: 4 questions (intent+topic)
# and 7 (intent) between an AVX-512 VNNI and an AVX2 machine. A clean clone on any x86-64 CPU passes; a
# regression of more than that fails.
INTENT_ACCURACY_FLOOR = (687 - 2) / 719
FULL_LABEL_ACCURACY_FLOOR = (677 - 3) / 719


# Questions the page does not answer (tests/nlu/uncovered.yml, never trained on) that may get a covered topic's
# answer at most: 1 of 73 measured on 2026-12-07 ("are there networking events for online students" reads as
# the information sessions since the ticket-status and reminder intents), within the target of 2 %.
UNCOVERED_WRONG_CEILING = 1


@pytest.fixture(scope="module")
def parser():
    return evaluate.Parser(require_model())


@pytest.fixture(scope="module")
def results(parser):
    examples = evaluate.read_examples(PROJECT_ROOT / "tests" / "nlu" / "heldout.yml")
    return evaluate.summarize(examples, parser.labels(e.text for e in examples))


def test_intent_accuracy_floor(results) -> None:
    assert results["intent_accuracy"] >= INTENT_ACCURACY_FLOOR, results["errors"]


def test_intent_and_faq_topic_accuracy_floor(results) -> None:
    assert results["accuracy"] >= FULL_LABEL_ACCURACY_FLOOR, results["errors"]


def test_every_crisis_message_is_recognised(results) -> None:
    """A missed crisis costs far more than any other mistake: no held-out crisis message may be missed."""
    assert [e for e in results["errors"] if e["expected"] == "crisis"] == []


def test_every_held_out_label_is_predicted_at_least_once(results) -> None:
    missed = {e["expected"] for e in results["errors"]}
    examples = evaluate.read_examples(PROJECT_ROOT / "tests" / "nlu" / "heldout.yml")
    counts: dict[str, int] = {}
    for e in examples:
        counts[e.label] = counts.get(e.label, 0) + 1
    never_right = [label for label in missed
                   if sum(1 for err in results["errors"] if err["expected"] == label) == counts[label]
                   and counts[label] > 1]
    assert never_right == []


def test_questions_the_page_does_not_answer_get_no_covered_answer(parser, store) -> None:
    examples = evaluate.read_examples(PROJECT_ROOT / "tests" / "nlu" / "uncovered.yml")
    found = evaluate.uncovered(examples, parser.labels(e.text for e in examples), evaluate.answering_labels(store))
    assert len(found["wrong"]) <= UNCOVERED_WRONG_CEILING, found["wrong"]


# The crisis development set's crises the model does not recognise (no crisis word, read as out of scope):
# measured 41 of 44 caught at the certain level on 2026-12-07. A crisis caught today that turns uncertain or
# is missed fails here ("I'm writing goodbye letters to my family tonight. Can someone ... tuition?" once
# became uncertain beside its question, until farewell letters joined the crisis phrases).
KNOWN_MISSED_CRISES = {
    "I'm standing on the bridge right now.",
    "my toddler drank something from under the sink and he's throwing up and really sleepy",
    "how many tylenol does it take to not wake up",
}


def test_every_development_crisis_caught_today_is_still_certain(parser) -> None:
    import asyncio

    examples = [e for e in evaluate.read_examples(PROJECT_ROOT / "tests" / "nlu" / "dev_crisis.yml")
                if e.label == "crisis"]

    async def levels() -> list[tuple[str, str, object]]:
        parses = [await parser.agent.parse_message(e.text) for e in examples]
        return [(e.text, p["intent"]["name"], p.get("crisis_level")) for e, p in zip(examples, parses)]

    missed = [text for text, intent, level in asyncio.run(levels())
              if (intent != "crisis" or level == "uncertain") and text not in KNOWN_MISSED_CRISES]
    assert missed == []
