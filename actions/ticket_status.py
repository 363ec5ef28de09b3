"""What became of a question handed to staff: "did anyone answer my question?", "what happened to H-1A2B3C?"."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import HandoffAction
from bot.conversation import advising
from bot.handoffs import status


class ActionTicketStatus(HandoffAction):
    """Tell the student the state of this conversation's tickets (never another conversation's)."""

    def name(self) -> Text:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        office = advising.handoff_values(self.store)
        for reply in status.statuses(self.handoffs, tracker.sender_id, tracker.latest_message.get("text") or ""):
            dispatcher.utter_message(response=reply.response, **office, **reply.values)
        return []
