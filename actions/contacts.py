"""Who to contact."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from bot.conversation import advising


class ActionContact(KnowledgeAction):
    """Give the Student Services Office's phone and fax (the phone alone when a number is asked for)."""

    def name(self) -> Text:
        return "action_contact"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return self.answer_turn(dispatcher, tracker, lambda: [advising.contact(
            self.store, tracker.latest_message.get("text") or "")])
