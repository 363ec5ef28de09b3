"""Messages about a crisis or emergency: resources at once, and an urgent ticket for staff."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.base import HandoffAction
from bot.conversation import advising

logger = logging.getLogger(__name__)


class ActionCrisis(HandoffAction):
    """Alert staff with an urgent ticket; the rules have already given the resources (utter_crisis)."""

    def name(self) -> Text:
        return "action_crisis"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            ticket = await self.hand_off(tracker, question=tracker.latest_message.get("text") or "", urgent=True)
        except SQLAlchemyError:
            logger.exception("Could not store the urgent ticket for %s", tracker.sender_id)
            return []
        try:
            office = advising.contact_values(self.store)
        except SQLAlchemyError:  # the knowledge database is down: the ticket is stored, say so all the same
            logger.exception("Knowledge database unavailable while answering a crisis")
            office = advising.contact_values(None)
        dispatcher.utter_message(response="utter_crisis_staff_told", reference=ticket.reference, **office)
        return []
