"""The conversation-set runner: reading and checking set files, scoring replies, counting urgent tickets."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import requests
import yaml

from bot.channels.rest import CheckedRestInput
from bot.handoffs.tickets import open_handoffs
from tests.conftest import PROJECT_ROOT
from tools import conversation_sets as sets
from tools.cli import build_parser
from tools.conversation_sets import Item, Turn

SETS_DIR = PROJECT_ROOT / "tests" / "sets"


def a_set(**changes) -> dict:
    """A small well-formed set document; ``changes`` replace its top-level keys."""
    doc = {"set": "multi_question", "families": [
        {"family": "duration", "split": "dev", "items": [
            {"turns": [{"say": "how long is it?", "expect": ["36", ["two years", "24 months"]], "reject": ["911"]}]},
            {"turns": [{"say": "the MLS"}, {"say": "how long?", "expect": ["two years"]}]}]},
        {"family": "credits", "split": "heldout", "items": [
            {"turns": [{"say": "how many credits?", "reject": ["tuition"]}]}]}]}
    return {**doc, **changes}


def write(tmp_path, doc, name: str = "multi_question"):
    path = tmp_path / f"{name}.yml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return path


# Reading


def test_a_set_file_is_read_into_items_by_family_and_split(tmp_path) -> None:
    read = sets.read_set(write(tmp_path, a_set()))
    assert read.name == "multi_question"
    dev = read.split("dev")
    assert [(i.family, i.number, len(i.turns)) for i in dev] == [("duration", 1, 1), ("duration", 2, 2)]
    assert dev[0].turns[0] == Turn("how long is it?", ("36", ("two years", "24 months")), ("911",))
    assert dev[1].turns[0] == Turn("the MLS")  # a turn that only sets the scene
    assert [i.family for i in read.split("heldout")] == ["credits"]


def mutate(path: list, value):
    """A document from a_set() with the entry at ``path`` replaced (or deleted when value is DELETE)."""
    doc = a_set()
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


DELETE = object()
FAMILY = ["families", 0]
TURN = [*FAMILY, "items", 0, "turns", 0]


@pytest.mark.parametrize(("doc", "message"), [
    ("set: [unclosed", "not valid YAML"),
    (["a", "list"], "expected a mapping"),
    (mutate(["set"], "multi_questions"), "'multi_questions' is not one of"),
    (mutate(["set"], "indirect"), "'indirect' in a file named multi_question.yml"),
    (mutate(["families"], []), "families: is empty"),
    (mutate(["families", 1, "family"], "duration"), "'duration' appears twice"),
    (mutate([*FAMILY, "split"], "test"), "families[0].split: 'test' is not dev or heldout"),
    (mutate([*FAMILY, "items"], []), "families[0].items: is empty"),
    (mutate([*FAMILY, "items", 0, "turns"], []), "families[0] (duration).items[0].turns: is empty"),
    (mutate([*TURN, "say"], DELETE), "turns[0]: missing say"),
    (mutate([*TURN, "say"], "  "), "turns[0].say: expected non-empty text"),
    (mutate([*TURN, "expects"], ["36"]), "turns[0]: unknown key expects"),
    (mutate([*TURN, "expect"], "36"), "turns[0].expect: expected a list, got str"),
    (mutate([*TURN, "expect"], ["36", []]), "turns[0].expect[1]: is empty"),
    (mutate([*TURN, "expect"], ["36", ["two years", 24]]), "turns[0].expect[1][1]: expected non-empty text"),
    (mutate([*TURN, "reject"], [["911", "988"]]), "turns[0].reject[0]: expected non-empty text"),
    (mutate([*FAMILY, "items", 1, "turns", 1, "expect"], DELETE), "the last turn checks nothing"),
])
def test_a_malformed_file_is_refused_with_the_place(tmp_path, doc, message) -> None:
    path = write(tmp_path, doc)
    with pytest.raises(sets.SetFormatError) as error:
        sets.read_set(path)
    assert str(error.value).startswith(str(path))
    assert message in str(error.value)


def test_unknown_or_missing_sets_are_refused(tmp_path) -> None:
    with pytest.raises(sets.SetFormatError, match="unknown set nope"):
        sets.read_sets(tmp_path, ["nope"])
    with pytest.raises(sets.SetFormatError, match="no file for indirect.yml"):
        sets.read_sets(tmp_path, ["indirect"])
    write(tmp_path, a_set())
    assert [s.name for s in sets.read_sets(tmp_path, ["multi_question"])] == ["multi_question"]


# A set whose held-out half informed a decision became development data; a fresh set took its place.
ONE_SIDED = {"crisis_in_context": "dev", "crisis_in_context_2": "heldout", "crisis_harmless": "dev",
             "crisis_harmless_2": "heldout"}


def test_every_set_in_the_repository_parses_with_both_splits() -> None:
    assert sorted(p.stem for p in SETS_DIR.glob("*.yml")) == sorted(sets.SET_NAMES)
    for read in sets.read_sets(SETS_DIR):
        assert {i.split for i in read.items} <= {"dev", "heldout"}
        if read.name in ONE_SIDED:
            assert {i.split for i in read.items} == {ONE_SIDED[read.name]}, read.name
        else:
            assert read.split("dev") and read.split("heldout"), read.name
        families = {}
        for item in read.items:
            assert families.setdefault(item.family, item.split) == item.split  # a family is on one side


# Scoring


def test_every_expected_phrase_must_appear_an_inner_list_any_one_of_them() -> None:
    turn = Turn("how long?", expect=("36", ("two years", "24 months")), reject=("911",))
    assert sets.score(turn, "36 credits over TWO YEARS").passed  # case-insensitive
    assert sets.score(turn, "36 credits, 24 months").passed
    assert sets.score(turn, "36 credits").missing == (("two years", "24 months"),)
    assert sets.score(turn, "two years").missing == ("36",)


def test_a_rejected_phrase_fails_the_turn() -> None:
    result = sets.score(Turn("I am stressed", reject=("911", "988")), "If you are in danger call 911.")
    assert not result.passed and result.rejected == ("911",)


def test_the_reply_joins_every_message_and_its_button_titles() -> None:
    messages = [{"text": "Which program?", "buttons": [{"title": "MLS", "payload": "/x"}, {"title": "MIM"}]},
                {"image": "x.png"}, {"text": "Or ask staff."}]
    assert sets.reply_text(messages) == "Which program? MLS MIM Or ask staff."


class Script:
    """A fake REST server: replies by message, per sender; fails on a message listed in ``broken``."""

    def __init__(self, replies: dict[str, str], broken: tuple[str, ...] = ()) -> None:
        self.replies, self.broken = replies, broken
        self.heard: list[tuple[str, str]] = []

    def say(self, sender: str, message: str) -> list[dict]:
        self.heard.append((sender, message))
        if message in self.broken:
            raise requests.HTTPError("503 Server Error")
        return [{"text": self.replies.get(message, "Sorry, I didn't catch that.")}]


def item(*turns: Turn, family: str = "f", split: str = "dev") -> Item:
    return Item(family, split, 1, turns)


def test_an_item_passes_on_its_last_turn_and_every_turn_is_played() -> None:
    script = Script({"the MLS": "Which program?", "how long?": "Two years."})
    conversation = item(Turn("the MLS", expect=("library",)), Turn("how long?", expect=("two years",)))
    outcome = sets.play(script, "context_conversations", conversation, "sender-1")
    assert [m for _, m in script.heard] == ["the MLS", "how long?"]  # played on after the first turn failed
    assert outcome.passed and not outcome.every_turn_passed


def test_an_item_fails_when_its_last_turn_fails_even_if_the_first_passed() -> None:
    script = Script({"the MLS": "The library science master's.", "how long?": "Which program?"})
    conversation = item(Turn("the MLS", expect=("library",)), Turn("how long?", expect=("two years",)))
    outcome = sets.play(script, "context_conversations", conversation, "sender-1")
    assert not outcome.passed and not outcome.every_turn_passed
    assert outcome.turns[0].passed and outcome.turns[1].missing == ("two years",)


def test_a_server_failure_stops_the_item_and_counts_as_an_error() -> None:
    script = Script({"how long?": "Two years."}, broken=("the MLS",))
    conversation = item(Turn("the MLS"), Turn("how long?", expect=("two years",)))
    outcome = sets.play(script, "context_conversations", conversation, "sender-1")
    assert [m for _, m in script.heard] == ["the MLS"]
    assert not outcome.passed and not outcome.played and "HTTPError" in outcome.turns[0].error
    summary = sets.summarize("context_conversations", "dev", [outcome])
    assert summary["errors"] == 1 and summary["failures"][0]["turns"][0]["error"]


def test_each_item_is_played_in_a_session_of_its_own() -> None:
    conversation_set = sets.ConversationSet("indirect", tuple(
        Item("f", split, n, (Turn(f"hello {n}", expect=("sorry",)),)) for n, split in
        enumerate(["dev", "dev", "heldout", "dev"], start=1)))
    todo = sets.jobs([conversation_set], ["dev"], run="abcd1234")
    assert [j.item.number for j in todo] == [1, 2, 4]
    assert len({j.sender for j in todo}) == 3
    assert all(8 <= len(j.sender) <= 128 for j in todo)  # what the REST channel accepts
    script = Script({})
    outcomes = sets.play_all(script, todo, workers=2)
    assert [o.item.number for o in outcomes] == [1, 2, 4] and all(o.passed for o in outcomes)
    assert sorted(script.heard) == sorted((j.sender, f"hello {j.item.number}") for j in todo)


# Urgent tickets


def test_rest_conversations_are_namespaced_as_the_channel_stores_them() -> None:
    assert sets.conversation_id("sets-abc-0001") == f"{CheckedRestInput.name()}:sets-abc-0001" \
        == "rest:sets-abc-0001"


class CrisisScript(Script):
    """Like the action server: a message with 'crisis' in it stores an urgent ticket for the conversation."""

    def __init__(self, handoffs, replies: dict[str, str]) -> None:
        super().__init__(replies)
        self.handoffs = handoffs

    def say(self, sender: str, message: str) -> list[dict]:
        if "crisis" in message:
            self.handoffs.create(channel="rest", sender_id=f"rest:{sender}", name="", email="", question=message,
                                 transcript=[], urgent=True)
        return super().say(sender, message)


def test_urgent_tickets_are_counted_per_item_from_the_handoff_database(tmp_path) -> None:
    handoffs = open_handoffs(f"sqlite:///{tmp_path / 'handoffs.db'}")
    crisis = sets.ConversationSet("crisis_in_context", (
        Item("a", "dev", 1, (Turn("tuition?"), Turn("crisis now", expect=("staff",)))),
        Item("a", "dev", 2, (Turn("crisis again"), Turn("crisis still", expect=("staff",)))),
        Item("b", "dev", 1, (Turn("tuition?"), Turn("I feel awful", expect=("staff",)))),
    ))
    harmless = sets.ConversationSet("crisis_harmless", (
        Item("c", "dev", 1, (Turn("my deadline is killing me", reject=("911",)),)),
    ))
    todo = sets.jobs([crisis, harmless], ["dev"])
    # Beside the run: an ordinary ticket of a played conversation and an urgent one of another channel.
    handoffs.create(channel="rest", sender_id=f"rest:{todo[0].sender}", name="A", email="a@example.edu",
                    question="tuition?", transcript=[])
    handoffs.create(channel="webchat", sender_id=f"webchat:{todo[3].sender}", name="", email="", question="help",
                    transcript=[], urgent=True, now=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    outcomes = sets.play_all(CrisisScript(handoffs, {"crisis now": "Staff have been told."}), todo)
    outcomes = sets.with_urgent(outcomes, sets.urgent_tickets(handoffs))
    assert [o.urgent for o in outcomes] == [1, 2, 0, 0]

    in_context = sets.summarize("crisis_in_context", "dev", outcomes)
    assert (in_context["items"], in_context["passed"], in_context["every_turn_passed"]) == (3, 1, 1)
    assert (in_context["urgent_tickets"], in_context["items_with_urgent_ticket"]) == (3, 2)
    assert [(u["family"], u["item"]) for u in in_context["without_urgent_ticket"]] == [("b", 1)]
    failure = next(f for f in in_context["failures"] if f["family"] == "b")
    assert failure["turns"][-1]["missing"] == ["staff"] and failure["urgent_tickets"] == 0

    false_alarm = sets.summarize("crisis_harmless", "dev", outcomes)
    assert false_alarm["urgent_tickets"] == 0 and false_alarm["passed"] == 1
    assert "without_urgent_ticket" not in false_alarm
    handoffs.engine.dispose()


# Results and the command line


def test_results_are_written_per_split_and_shown_as_a_table(tmp_path) -> None:
    outcome = sets.play(Script({"hi": "Hello, 911"}), "crisis_harmless",
                        item(Turn("hi", expect=("hello",), reject=("911",))), "sender-1")
    summary = sets.summarize("crisis_harmless", "dev", [outcome])
    assert summary["failures"][0]["turns"][0]["rejected"] == ["911"]
    path = sets.write(tmp_path, "dev", [summary], model="models/x.tar.gz", seconds=1.5)
    assert path.name == "sets_dev.json"
    saved = json.loads(path.read_text())
    assert saved["split"] == "dev" and saved["sets"]["crisis_harmless"]["passed"] == 0
    text = sets.table([summary])
    assert text.splitlines()[0].split()[:3] == ["set", "split", "items"]
    assert "crisis_harmless" in text and "0 (0.0 %)" in text


def test_the_sets_command_defaults_to_the_dev_split_and_knows_the_set_names(capsys) -> None:
    args = build_parser().parse_args(["sets"])
    assert args.split == "dev" and args.only is None and args.workers == 4
    assert build_parser().parse_args(["sets", "--split", "all", "--only", "indirect"]).only == ["indirect"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["sets", "--only", "nope"])
    assert "invalid choice" in capsys.readouterr().err
