"""The conversation so far, as staff read it on a ticket: who said what, and when."""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

MAX_TEXT = 2000


def from_events(events: Iterable[dict[str, Any]], limit: int = 50) -> list[dict[str, str]]:
    """The conversation's messages from Rasa tracker events, oldest first, the last ``limit`` of them."""
    turns = []
    for event in events:
        if event.get("event") in ("user", "bot") and event.get("text"):
            at = event.get("timestamp")
            turns.append({"from": event["event"], "text": str(event["text"])[:MAX_TEXT],
                          "at": dt.datetime.fromtimestamp(at, dt.timezone.utc).isoformat() if at else ""})
    return turns[-limit:]
