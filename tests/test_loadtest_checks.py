"""The load test's own checks: what counts as a lost or repeated event, and how turns fall into phases."""

from __future__ import annotations

from tools.loadtest import Fault, Turn, assign, crossings, lost_events, percentile, windows


def turn(index: int, text: str, replies: list[str], status: int = 200, replica: str = "rasa1",
         problem: str = "", started: float = 0.0) -> Turn:
    return Turn("load-x-1", index, text, status, replies, started, 0.1, replica, problem)


def stored(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return list(pairs)


def test_a_conversation_stored_as_it_happened_lost_nothing():
    turns = [turn(0, "hi", ["Hello!"]), turn(1, "MLS", ["The MLS...", "Anything else?"])]
    events = stored(("user", "hi"), ("bot", "Hello!"), ("user", "MLS"), ("bot", "The MLS..."),
                    ("bot", "Anything else?"))
    assert lost_events(turns, events) == []


def test_an_acknowledged_message_missing_is_lost():
    turns = [turn(0, "hi", ["Hello!"]), turn(1, "MLS", ["The MLS..."])]
    problems = lost_events(turns, stored(("user", "hi"), ("bot", "Hello!")))
    assert [(t.index if t else None, "missing" in what) for t, what in problems] == [(1, True)]


def test_a_message_stored_twice_is_reported():
    turns = [turn(0, "hi", ["Hello!"])]
    problems = lost_events(turns, stored(("user", "hi"), ("bot", "Hello!"), ("user", "hi"), ("bot", "Hello!")))
    assert len(problems) == 1 and "more than once" in problems[0][1]


def test_a_message_that_failed_may_be_stored_once():
    turns = [turn(0, "hi", [], status=502, problem="HTTP 502"), turn(1, "MLS", ["The MLS..."])]
    assert lost_events(turns, stored(("user", "hi"), ("user", "MLS"), ("bot", "The MLS..."))) == []
    assert lost_events(turns, stored(("user", "MLS"), ("bot", "The MLS..."))) == []


def test_replies_stored_differently_from_those_received_are_reported():
    turns = [turn(0, "hi", ["Hello!"])]
    problems = lost_events(turns, stored(("user", "hi"), ("bot", "Hello!"), ("bot", "Hello!")))
    assert len(problems) == 1 and "differ" in problems[0][1]


def test_turns_fall_in_the_phase_they_began_in():
    schedule = [Fault("Redis stopped 30 s", 10, lambda: None, started=110.0)]
    parts = windows("2 replicas", 100.0, 130.0, schedule)
    assert [(w.label, w.start, w.stop) for w in parts] == [
        ("2 replicas: steady", 100.0, 110.0), ("2 replicas: Redis stopped 30 s", 110.0, 130.0),
        ("2 replicas: whole run", 100.0, 130.0)]
    early, late = turn(0, "hi", ["Hello!"], started=105.0), turn(1, "MLS", [], started=120.0)
    assign([early, late], parts, {id(late): 2})
    assert [(len(w.turns), w.lost) for w in parts] == [(1, 0), (1, 2), (2, 2)]


def test_context_checked_across_replicas():
    turns = [turn(0, "what about the field study?", ["Which program?"], replica="rasa1"),
             turn(1, "MLS", ["The MLS field study..."], replica="rasa2"),
             turn(2, "thanks", ["You're welcome"], replica="rasa2")]
    assert crossings(turns) == (1, 0)
    turns[1].problem = "context lost"
    assert crossings(turns) == (1, 1)


def test_percentiles_by_nearest_rank():
    values = list(range(1, 101))
    assert (percentile(values, .5), percentile(values, .95), percentile(values, .99)) == (50, 95, 99)
    assert percentile([], .95) == 0.0
