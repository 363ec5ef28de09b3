"""Class schedules by program and semester."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from bot.conversation import advising


class ActionClassSchedule(KnowledgeAction):
    """Show a program's cohort schedule, whole or for the term the user named."""

    def name(self) -> Text:
        return "action_class_schedule"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return self.answer_turn(dispatcher, tracker, lambda: [
            advising.class_schedule(self.store, self.program(tracker), self.entity(tracker, "term"))])
