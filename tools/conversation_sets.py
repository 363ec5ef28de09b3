"""The conversation evaluation sets (``tests/sets/*.yml``), played over REST against the running servers.

Each item is a conversation in a fresh session; it passes when its last turn's reply holds every expected
phrase (an inner list: any one of them) and no rejected one. Urgent staff pages are counted from a
temporary handoff database the action server writes to. Run through ``python -m tools sets`` (``make sets``);
results go to ``results/sets_<split>.json`` and a table.
"""

from __future__ import annotations

import sys
import tempfile
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence, Union

import requests

from bot.handoffs.tickets import HandoffStore, open_handoffs
from tools import evaluate, servers

SET_NAMES = ("multi_question", "long_messages", "indirect", "context_conversations", "crisis_harmless",
             "crisis_harmless_2", "crisis_in_context", "crisis_in_context_2")
SPLITS = ("dev", "heldout")
# Sets whose every conversation should page staff; in the others an urgent ticket is a false alarm.
URGENT_SETS = {"crisis_in_context", "crisis_in_context_2"}

# An expected phrase, or a tuple of phrases of which any one will do.
Phrase = Union[str, tuple[str, ...]]


class SetFormatError(ValueError):
    """A set file that does not follow the format; the message names the file and the place."""


@dataclass(frozen=True)
class Turn:
    """One message of a conversation and what its reply must (``expect``) and must not (``reject``) hold."""

    say: str
    expect: tuple[Phrase, ...] = ()
    reject: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """One conversation: the ``number``-th (from 1) of its family."""

    family: str
    split: str
    number: int
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class ConversationSet:
    """The items of one set file."""

    name: str
    items: tuple[Item, ...]

    def split(self, split: str) -> list[Item]:
        """The items of the families marked ``split`` ('dev' or 'heldout')."""
        return [item for item in self.items if item.split == split]


# Reading -------------------------------------------------------------------------------------------------


def read_set(path: Path) -> ConversationSet:
    """A set file, checked against the format; SetFormatError says where it is not."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SetFormatError(f"{path}: not valid YAML: {exc}") from None
    return parse_set(data, str(path), expected_name=path.stem)


def read_sets(directory: Path, only: Iterable[str] | None = None) -> list[ConversationSet]:
    """Every set of ``directory`` (``<name>.yml``), in SET_NAMES order, or the ``only`` ones."""
    wanted = list(only or SET_NAMES)
    unknown = sorted(set(wanted) - set(SET_NAMES))
    if unknown:
        raise SetFormatError(f"unknown set {', '.join(unknown)}: the sets are {', '.join(SET_NAMES)}")
    missing = [name for name in wanted if not (directory / f"{name}.yml").is_file()]
    if missing:
        raise SetFormatError(f"{directory}: no file for {', '.join(f'{name}.yml' for name in missing)}")
    return [read_set(directory / f"{name}.yml") for name in SET_NAMES if name in wanted]


def parse_set(data: Any, source: str, expected_name: str | None = None) -> ConversationSet:
    """A set from its parsed YAML; ``source`` names it in errors, ``expected_name`` is its file's stem."""
    def fail(where: str, what: str) -> SetFormatError:
        return SetFormatError(f"{source}: {where}: {what}" if where else f"{source}: {what}")

    _keys(data, {"set", "families"}, "", fail)
    name = data["set"]
    if name not in SET_NAMES:
        raise fail("set", f"{name!r} is not one of {', '.join(SET_NAMES)}")
    if expected_name is not None and name != expected_name:
        raise fail("set", f"{name!r} in a file named {expected_name}.yml")
    families = _list(data["families"], "families", fail)
    items: list[Item] = []
    seen: set[str] = set()
    for f, family in enumerate(families):
        where = f"families[{f}]"
        _keys(family, {"family", "split", "items"}, where, fail)
        family_id = _text(family["family"], f"{where}.family", fail)
        if family_id in seen:
            raise fail(f"{where}.family", f"{family_id!r} appears twice")
        seen.add(family_id)
        if family["split"] not in SPLITS:
            raise fail(f"{where}.split", f"{family['split']!r} is not dev or heldout")
        for n, item in enumerate(_list(family["items"], f"{where}.items", fail)):
            item_where = f"{where} ({family_id}).items[{n}]"
            _keys(item, {"turns"}, item_where, fail)
            turns = tuple(_turn(turn, f"{item_where}.turns[{t}]", fail)
                          for t, turn in enumerate(_list(item["turns"], f"{item_where}.turns", fail)))
            if not (turns[-1].expect or turns[-1].reject):
                raise fail(f"{item_where}.turns[{len(turns) - 1}]", "the last turn checks nothing (no expect or "
                                                                     "reject): the item could not fail")
            items.append(Item(family_id, family["split"], n + 1, turns))
    return ConversationSet(name, tuple(items))


def _turn(data: Any, where: str, fail: Any) -> Turn:
    _keys(data, {"say"}, where, fail, optional={"expect", "reject"})
    expect: list[Phrase] = []
    for e, phrase in enumerate(_list(data.get("expect") or [], f"{where}.expect", fail, empty=True)):
        if isinstance(phrase, list):
            options = _list(phrase, f"{where}.expect[{e}]", fail)
            expect.append(tuple(_text(o, f"{where}.expect[{e}][{i}]", fail) for i, o in enumerate(options)))
        else:
            expect.append(_text(phrase, f"{where}.expect[{e}]", fail))
    reject = tuple(_text(phrase, f"{where}.reject[{r}]", fail)
                   for r, phrase in enumerate(_list(data.get("reject") or [], f"{where}.reject", fail, empty=True)))
    return Turn(_text(data["say"], f"{where}.say", fail), tuple(expect), reject)


def _keys(data: Any, required: set[str], where: str, fail: Any, optional: set[str] | None = None) -> None:
    if not isinstance(data, dict):
        raise fail(where, f"expected a mapping with {', '.join(sorted(required))}, got {type(data).__name__}")
    missing = sorted(required - set(data))
    if missing:
        raise fail(where, f"missing {', '.join(missing)}")
    unknown = sorted(set(data) - required - (optional or set()))
    if unknown:
        raise fail(where, f"unknown key {', '.join(map(str, unknown))}")


def _list(value: Any, where: str, fail: Any, empty: bool = False) -> list[Any]:
    if not isinstance(value, list):
        raise fail(where, f"expected a list, got {type(value).__name__}")
    if not value and not empty:
        raise fail(where, "is empty")
    return value


def _text(value: Any, where: str, fail: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(where, f"expected non-empty text, got {value!r}")
    return value


# Playing and scoring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnResult:
    """What the assistant replied to one turn and which phrases were missing or should not have been there."""

    say: str
    reply: str
    missing: tuple[Phrase, ...] = ()
    rejected: tuple[str, ...] = ()
    error: str = ""

    @property
    def passed(self) -> bool:
        return not (self.missing or self.rejected or self.error)


@dataclass(frozen=True)
class Outcome:
    """One item played: the result of every turn played, and the urgent tickets its conversation made."""

    set_name: str
    item: Item
    sender: str
    turns: tuple[TurnResult, ...]
    urgent: int = 0

    @property
    def played(self) -> bool:
        """Every turn was answered (none failed over HTTP)."""
        return len(self.turns) == len(self.item.turns) and not any(t.error for t in self.turns)

    @property
    def passed(self) -> bool:
        """The item's verdict: its last turn passed."""
        return self.played and self.turns[-1].passed

    @property
    def every_turn_passed(self) -> bool:
        return self.played and all(t.passed for t in self.turns)


def reply_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The reply to one turn as one text: every message's text and button titles, in order."""
    parts: list[str] = []
    for message in messages:
        if message.get("text"):
            parts.append(str(message["text"]))
        parts += [str(b["title"]) for b in message.get("buttons") or [] if b.get("title")]
    return " ".join(parts)


def options(phrase: Phrase) -> tuple[str, ...]:
    """The phrases of which any one satisfies ``phrase``."""
    return (phrase,) if isinstance(phrase, str) else phrase


def score(turn: Turn, reply: str) -> TurnResult:
    """Check one reply (case-insensitive substrings)."""
    text = reply.lower()
    missing = tuple(p for p in turn.expect if not any(o.lower() in text for o in options(p)))
    rejected = tuple(p for p in turn.reject if p.lower() in text)
    return TurnResult(turn.say, reply, missing, rejected)


def play(talker: Any, set_name: str, item: Item, sender: str) -> Outcome:
    """Play every turn of ``item`` as ``sender`` (``talker.say(sender, text)``); stop only on an HTTP failure."""
    results: list[TurnResult] = []
    for turn in item.turns:
        try:
            messages = talker.say(sender, turn.say)
        except requests.RequestException as exc:
            results.append(TurnResult(turn.say, "", error=f"{type(exc).__name__}: {exc}"))
            break  # the rest of the conversation would not be the one the item describes
        results.append(score(turn, reply_text(messages)))
    return Outcome(set_name, item, sender, tuple(results))


@dataclass
class Job:
    """An item to play, under the sender id its conversation gets."""

    set_name: str
    item: Item
    sender: str


def jobs(sets: Sequence[ConversationSet], splits: Sequence[str], run: str | None = None) -> list[Job]:
    """Every item of ``splits`` in ``sets``, each with a sender id of its own (8 to 128 characters)."""
    run = run or uuid.uuid4().hex[:8]  # the tracker store may persist: no earlier conversation carries over
    chosen = [(s.name, item) for s in sets for split in splits for item in s.split(split)]
    return [Job(name, item, f"sets-{run}-{n:04d}") for n, (name, item) in enumerate(chosen)]


def play_all(talker: Any, todo: Sequence[Job], workers: int = 4, progress: Any = None) -> list[Outcome]:
    """Play every job, ``workers`` conversations at a time; outcomes in the order of ``todo``."""
    done: list[Outcome] = []

    def one(job: Job) -> Outcome:
        outcome = play(talker, job.set_name, job.item, job.sender)
        done.append(outcome)
        if progress is not None and len(done) % 50 == 0:
            print(f"  {len(done)}/{len(todo)} conversations", file=progress, flush=True)
        return outcome

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, todo))


# Urgent tickets ------------------------------------------------------------------------------------------


def conversation_id(sender: str) -> str:
    """The conversation id (and ticket ``sender_id``) of a REST ``sender``: the channel namespaces it."""
    from bot.channels.rest import CheckedRestInput  # Rasa's channel machinery: imported only when counting

    return f"{CheckedRestInput.name()}:{sender}"[:128]


def urgent_tickets(handoffs: HandoffStore) -> Counter[str]:
    """Urgent tickets by the conversation id that made them."""
    return Counter(t.sender_id for t in handoffs.list() if t.urgent)


def with_urgent(outcomes: Iterable[Outcome], tickets: Mapping[str, int]) -> list[Outcome]:
    """The outcomes with each conversation's urgent tickets."""
    return [replace(o, urgent=tickets.get(conversation_id(o.sender), 0)) for o in outcomes]


# Results -------------------------------------------------------------------------------------------------


def summarize(set_name: str, split: str, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """One set's figures on one split, the failed items turn by turn, and the items that paged staff."""
    mine = [o for o in outcomes if o.set_name == set_name and o.item.split == split]
    summary: dict[str, Any] = {
        "set": set_name, "split": split, "items": len(mine),
        "passed": sum(o.passed for o in mine), "every_turn_passed": sum(o.every_turn_passed for o in mine),
        "urgent_tickets": sum(o.urgent for o in mine), "items_with_urgent_ticket": sum(o.urgent > 0 for o in mine),
        "errors": sum(not o.played for o in mine),
        # Every item with a failed turn; "passed" is its verdict (the last turn).
        "failures": [_failure(o) for o in mine if not o.every_turn_passed],
        "urgent": [_brief(o) for o in mine if o.urgent],
    }
    if set_name in URGENT_SETS:
        summary["without_urgent_ticket"] = [_brief(o) for o in mine if not o.urgent]
    return summary


def _brief(outcome: Outcome) -> dict[str, Any]:
    return {"family": outcome.item.family, "item": outcome.item.number, "sender": outcome.sender,
            "urgent_tickets": outcome.urgent}


def _failure(outcome: Outcome) -> dict[str, Any]:
    turns = []
    for result in outcome.turns:
        turn: dict[str, Any] = {"say": result.say, "reply": result.reply, "passed": result.passed}
        if result.missing:
            turn["missing"] = [p if isinstance(p, str) else list(p) for p in result.missing]
        if result.rejected:
            turn["rejected"] = list(result.rejected)
        if result.error:
            turn["error"] = result.error
        turns.append(turn)
    return {**_brief(outcome), "passed": outcome.passed, "turns": turns}


def measure(model: Path, sets: Sequence[ConversationSet], splits: Sequence[str], *, rasa_port: int,
            action_port: int, workers: int = 4, progress: Any = sys.stderr) -> dict[str, list[dict[str, Any]]]:
    """Start the servers on a fresh ticket and tracker database, play the sets; summaries by split.

    Staff are never paged for real: the staff Slack channel is left unset for the action server.
    """
    todo = jobs(sets, splits)
    with tempfile.TemporaryDirectory(prefix="conversation-sets-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'handoffs.db'}"
        handoffs = open_handoffs(url)  # the schema exists before the first crisis
        # Every conversation comes from this one address: the per-address limit is not what is measured.
        env = {"HANDOFF_DB_URL": url, "HANDOFF_SLACK_CHANNEL": "", "MESSAGE_RATE_LIMIT": "0"}
        try:
            with servers.running(model, rasa_port=rasa_port, action_port=action_port, env=env,
                                 tracker_db=Path(scratch) / "tracker.db") as running:
                print(f"Playing {len(todo)} conversations, {workers} at a time...", file=progress, flush=True)
                outcomes = play_all(running, todo, workers, progress)
            outcomes = with_urgent(outcomes, urgent_tickets(handoffs))
        finally:
            handoffs.engine.dispose()
    return {split: [summarize(s.name, split, outcomes) for s in sets] for split in splits}


def write(results_dir: Path, split: str, summaries: Sequence[dict[str, Any]], **about: Any) -> Path:
    """``results/sets_<split>.json``: the split's summaries by set, with ``about`` (model, seconds)."""
    return evaluate.write(results_dir, f"sets_{split}",
                          {"split": split, **about, "sets": {s["set"]: s for s in summaries}})


def table(summaries: Iterable[dict[str, Any]]) -> str:
    """One row per set and split: items, passed (last turn), every turn passed, urgent tickets, errors."""
    header = ("set", "split", "items", "passed", "every turn", "urgent tickets (items)", "errors")
    rows = [header] + [
        (s["set"], s["split"], str(s["items"]), _share(s["passed"], s["items"]),
         _share(s["every_turn_passed"], s["items"]), f"{s['urgent_tickets']} ({s['items_with_urgent_ticket']})",
         str(s["errors"])) for s in summaries]
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if c < 2 else cell.rjust(w) for c, (cell, w) in enumerate(zip(row, widths)))
             for row in rows]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def _share(count: int, total: int) -> str:
    return f"{count} ({evaluate.percent(count / total if total else None)})"

