"""The channel reads the conversation's focus with one query on an SQL tracker store (bot/channels/context.py)."""

from __future__ import annotations

import asyncio
import time

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.context import latest_focus

DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  focus: {type: text, mappings: [{type: custom}]}
  program: {type: text, mappings: [{type: custom}]}
""")


def saved(store: SQLTrackerStore, sender: str, events: list) -> None:
    tracker = DialogueStateTracker.from_events(sender, events)
    asyncio.run(store.save(tracker))


def test_the_latest_focus_a_session_start_clears_and_an_expired_one(tmp_path) -> None:
    store = SQLTrackerStore(DOMAIN, db=str(tmp_path / "tracker.db"))
    assert latest_focus(store, "rest:nobody") is None
    now = time.time()
    saved(store, "rest:a", [UserUttered("field study?", timestamp=now),
                            ActionExecuted("action_answer", timestamp=now),
                            SlotSet("focus", "the field study", timestamp=now),
                            SlotSet("program", "MLS", timestamp=now),
                            SlotSet("focus", "the orientation visit", timestamp=now)])
    assert latest_focus(store, "rest:a") == "the orientation visit", "the latest one, not another slot"
    saved(store, "rest:b", [SlotSet("focus", "the field study", timestamp=now), SessionStarted(timestamp=now)])
    assert latest_focus(store, "rest:b") is None, "a new session starts with no focus"
    saved(store, "rest:c", [SlotSet("focus", "the field study", timestamp=now - 7200)])
    assert latest_focus(store, "rest:c", expiry_seconds=3600) is None, "the session has expired"
    assert latest_focus(store, "rest:c") == "the field study"
    saved(store, "rest:d", [SlotSet("focus", None, timestamp=now)])
    assert latest_focus(store, "rest:d") is None
