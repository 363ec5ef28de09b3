"""Upcoming information sessions."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction


class ActionInfoSessions(KnowledgeAction):
    """List upcoming information sessions, filtered by the campus and format the user named."""

    def name(self) -> Text:
        return "action_info_sessions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return self.answer_turn(dispatcher, tracker, lambda: [self.info_sessions(tracker)])
