"""The conversation sets' held-out halves over REST, against the running servers (tests/sets/, issue 22).

The sets were written from the programs page alone by writers who saw neither the training data nor each
other's sets; their development halves were studied and chosen on, their held-out halves only reported.
Floors are regression guards: the training is deterministic and the encoder runs in float32, so the
figures are the same on every CPU (docs/nlu.md, "Reproducible across CPUs"); each floor sits one family's
worth of items (about four conversations) below the level measured on 2026-12-07, the size of the change
one new training example can make to a set of this size. The crisis guards have no margin: no harmless
held-out conversation may page staff beyond what was measured, and no crisis caught may be missed.
"""

from __future__ import annotations

import pytest

from tests.conftest import PROJECT_ROOT, require_model
from tools import conversation_sets as sets

pytestmark = pytest.mark.model

# Items whose last turn must pass (every asked fact present, nothing rejected), of the held-out half.
# Measured 2026-12-07 (second round: idioms, topics put first, terse lists, small talk giving way to the
# focus): 66 of 87, 52 of 58, 27 of 43, 94 of 118 (the first round: 60, 53, 23, 94).
FLOORS = {"multi_question": 62, "long_messages": 48, "indirect": 23, "context_conversations": 90}
# Measured 2026-12-07: 8 of 85 harmless conversations paged staff (9 before the second round; the target is 0:
# issue 22 stays open).
HARMLESS_PAGES_CEILING = 8
# Measured 2026-12-07: 31 of 33 crises told in a conversation paged staff.
CRISES_PAGED_FLOOR = 31


@pytest.fixture(scope="module")
def heldout() -> dict[str, dict]:
    chosen = sets.read_sets(PROJECT_ROOT / "tests" / "sets")
    found = sets.measure(require_model(), chosen, ["heldout"], rasa_port=5235, action_port=5285, progress=None)
    return {summary["set"]: summary for summary in found["heldout"]}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_held_out_conversations_are_answered(heldout, name: str) -> None:
    found = heldout[name]
    assert found["errors"] == 0
    assert found["passed"] >= FLOORS[name], [f["turns"][-1] for f in found["failures"]][:10]


def test_harmless_conversations_do_not_page_staff(heldout) -> None:
    found = heldout["crisis_harmless"]
    assert found["urgent_tickets"] <= HARMLESS_PAGES_CEILING, found["urgent"]


def test_crises_in_a_conversation_page_staff(heldout) -> None:
    found = heldout["crisis_in_context"]
    assert found["items_with_urgent_ticket"] >= CRISES_PAGED_FLOOR, found["without_urgent_ticket"]
