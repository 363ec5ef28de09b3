"""Specializations of the online programs."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from bot.conversation import advising


class ActionSpecializations(KnowledgeAction):
    """List the specializations of the program asked about or talked about, else of both programs."""

    def name(self) -> Text:
        return "action_specializations"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        program = self.program(tracker)
        return self.answer_turn(dispatcher, tracker, lambda: advising.specializations(self.store, program))
