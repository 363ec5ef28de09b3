"""Upcoming information sessions."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from bot.conversation import advising


class ActionInfoSessions(KnowledgeAction):
    """List upcoming information sessions, filtered by the campus and format the user named."""

    def name(self) -> Text:
        return "action_info_sessions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        reply = advising.info_sessions(
            self.store, self.clock(), campus=self.entity(tracker, "campus"),
            format=self.entity(tracker, "delivery_mode"), timezone=self.settings.timezone,
            user_timezone=self.entity(tracker, "timezone") or tracker.get_slot("timezone"),
            public_url=self.settings.public_url)
        return self.say(dispatcher, reply)
