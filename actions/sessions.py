"""Upcoming information sessions."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from bot.conversation import advising


class ActionInfoSessions(KnowledgeAction):
    """List upcoming information sessions, filtered by the campus and format the user named."""

    def name(self) -> Text:
        return "action_info_sessions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        events = self.answer_turn(dispatcher, tracker, lambda: [self.info_sessions(tracker)])
        return events + self.listed(tracker, events)

    def listed(self, tracker: Tracker, events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        """The sessions just listed, in order, for "remind me about the first one" (actions/reminders.py).

        The slots as they are after this turn: an answer returns only the slots it changes.
        """
        slots = {**tracker.current_slot_values(),
                 **{e["name"]: e["value"] for e in events if e.get("event") == "slot"}}
        if slots.get("last_topic") != advising.SESSIONS:
            return []
        shown = self.store.upcoming_info_sessions(self.clock(), campus=slots.get("campus"),
                                                  format=slots.get("delivery_mode"))
        return [SlotSet("listed_sessions", [s.uid for s in shown])]
