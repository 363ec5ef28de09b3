"""Repeated misunderstandings: did you mean…?, then a rephrase request, then the offer of a person."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from bot.conversation import advising, misunderstanding
from bot.conversation.advising import contact_values


class ActionHandleMisunderstanding(KnowledgeAction):
    """Answer a message the assistant could not place, one step further each time in a row."""

    def name(self) -> Text:
        return misunderstanding.ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        unsure = tracker.latest_message.get("intent", {}).get("name") == "nlu_fallback"
        program, topic = self.entity(tracker, "program"), tracker.get_slot("last_topic")
        if unsure and program and topic and misunderstanding.runner_up(tracker.latest_message) == "follow_up":
            # The classifier hesitated, but a program named right after an answer is a follow-up to it.
            reply = advising.answer_topic(self.store, topic, program)
            return self.say(dispatcher, reply) + [SlotSet("handoff_offered", False),
                                                  SlotSet(misunderstanding.SLOT, None)]
        choices = misunderstanding.choices(tracker.latest_message, self.store)
        step = misunderstanding.step(misunderstanding.streak(tracker.events), tracker.get_slot(misunderstanding.SLOT),
                             unsure=unsure, has_choices=bool(choices))
        if step == "did_you_mean":
            # The domain's response carries the "none of these" button; the topics go before it.
            template = domain["responses"]["utter_did_you_mean"][0]
            buttons = [{"title": c.title, "payload": c.payload} for c in choices] + template.get("buttons", [])
            dispatcher.utter_message(text=template["text"], buttons=buttons)
        else:
            dispatcher.utter_message(response=f"utter_{step}", **contact_values(self.store))
        # The rules accept a "yes" or "no" right after the offer of a person, and only then.
        return [SlotSet("handoff_offered", step == "offer_person"), SlotSet(misunderstanding.SLOT, step)]
