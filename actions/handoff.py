"""The handoff form: name, how to reply, the question; then a ticket for staff."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.base import HandoffAction, UsesStore
from bot.conversation import advising
from bot.handoffs import form_fields
from bot.handoffs.tickets import TicketLimit

logger = logging.getLogger(__name__)

FORM_SLOTS = ("handoff_name", "handoff_contact", "handoff_question", "handoff_confirmed")
CHANGEABLE = {"name": "handoff_name", "contact": "handoff_contact", "question": "handoff_question"}


def _intent(tracker: Tracker) -> str:
    return tracker.latest_message.get("intent", {}).get("name", "")


def _cleared() -> List[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class ValidateHandoffForm(UsesStore, FormValidationAction):
    """Check each answer; "skip" leaves a field out, and a bad email or phone is asked again with the reason."""

    def name(self) -> Text:
        return "validate_handoff_form"

    def _text(self, slot: str, kind: str, value: Any, dispatcher: CollectingDispatcher,
              tracker: Tracker) -> Dict[Text, Any]:
        if _intent(tracker) == "skip":
            return {slot: ""}
        field = form_fields.check_text(kind, str(value or ""))
        if field.problem:
            dispatcher.utter_message(response=f"utter_invalid_{field.problem}")
            return {slot: None}
        if field.cut:
            dispatcher.utter_message(response=f"utter_cut_{slot}", limit=form_fields.LIMITS[kind])
        return {slot: field.value}

    def validate_handoff_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """A name, cut to its limit."""
        return self._text("handoff_name", "name", value, dispatcher, tracker)

    def validate_handoff_question(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """The question in the user's words, cut to its limit."""
        return self._text("handoff_question", "question", value, dispatcher, tracker)

    def validate_handoff_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """An email address or a phone number; asked again, with the reason, until valid or skipped."""
        if _intent(tracker) == "skip":
            dispatcher.utter_message(response="utter_contact_skipped", **advising.contact_values(self.store))
            return {"handoff_contact": ""}
        _, field = form_fields.check_contact(str(value or ""))
        if field.problem:
            dispatcher.utter_message(response=f"utter_invalid_{field.problem}", value=str(value or "")[:80])
            return {"handoff_contact": None}
        return {"handoff_contact": field.shown}

    def validate_handoff_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """Send on yes; a correction empties that field so the form asks it again."""
        intent = _intent(tracker)
        if intent == "affirm":
            return {"handoff_confirmed": "yes"}
        field = next(tracker.get_latest_entity_values("field"), None)
        if intent == "correct_field" and field in CHANGEABLE:
            return {"handoff_confirmed": None, CHANGEABLE[field]: None}
        dispatcher.utter_message(response="utter_which_change")
        return {"handoff_confirmed": None}


class ActionAskHandoffConfirmed(UsesStore, Action):
    """Show what will be sent, with buttons to send, change a field or cancel."""

    def name(self) -> Text:
        return "action_ask_handoff_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        values = {key: tracker.get_slot(slot) or "-" for key, slot in CHANGEABLE.items()}
        dispatcher.utter_message(response="utter_ask_handoff_confirmed", **values,
                                 **advising.contact_values(self.store))
        return []


class ActionSubmitHandoff(HandoffAction):
    """Store the ticket with the transcript, tell staff, and tell the user what happens next."""

    def name(self) -> Text:
        return "action_submit_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        name, contact, question = (tracker.get_slot(s) or "" for s in FORM_SLOTS[:3])
        values = advising.handoff_values(self.store)
        try:
            ticket = await self.hand_off(tracker, name=name, contact=contact, question=question)
        except SQLAlchemyError:
            logger.exception("Could not store the handoff ticket for %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_failed", **values)
            return _cleared()
        except TicketLimit:
            logger.warning("Ticket limit reached for %s", tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_failed", **values)
            return _cleared()
        response = "utter_handoff_submitted" if contact else "utter_handoff_submitted_no_contact"
        dispatcher.utter_message(response=response, reference=ticket.reference, contact=contact,
                                 name=f" {name}" if name else "", **values)
        return _cleared()


class ActionCancelHandoff(UsesStore, Action):
    """Leave the form and forget what was typed into it."""

    def name(self) -> Text:
        return "action_cancel_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_handoff_stopped", **advising.contact_values(self.store))
        return _cleared()
