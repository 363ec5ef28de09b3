"""Repeated misunderstandings: did you mean…?, then a rephrase request, then the offer of a person."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from bot.conversation import misunderstanding, turn
from bot.conversation.advising import Reply, contact_values


class ActionHandleMisunderstanding(KnowledgeAction):
    """Answer a message the assistant could not place, one step further each time in a row."""

    def name(self) -> Text:
        return misunderstanding.ACTION

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        found = self.turn(tracker)
        if found is not None and found.asked:  # its questions, or its reading with the focus, are understood
            return self.answered(self.answer(dispatcher, tracker, found, list))
        unsure = tracker.latest_message.get("intent", {}).get("name") == "nlu_fallback"
        topic = tracker.get_slot("pending_topic") or tracker.get_slot("last_topic")
        if topic and self.entity(tracker, "program") and misunderstanding.names_a_program(
                tracker.latest_message, unsure=unsure):
            # A program named right after a question back or an answer ("MLS", "the library one") completes it.
            events: List[Dict[Text, Any]] = []
            for reply in self.follow_up(tracker):
                events += self.say(dispatcher, reply)
            return self.answered(events)
        choices = misunderstanding.choices(tracker.latest_message, self.store)
        step = misunderstanding.step(misunderstanding.streak(tracker.events), tracker.get_slot(misunderstanding.SLOT),
                             unsure=unsure, has_choices=bool(choices))
        guess = misunderstanding.guess(tracker.latest_message, self.store) if step == "did_you_mean" else None
        if guess:
            # One covered topic beside one off the page: its answer, then the missing one's ("I don't have ...")
            # when it is named, else who can answer the rest.
            asked = [turn.Asked(f"faq/{t}") for t in (guess.topic, guess.missing) if t]
            closing = None if guess.missing else Reply(response="utter_guess_closing",
                                                       values=contact_values(self.store))
            return self.answered(self.answer(dispatcher, tracker, turn.Turn(asked), list, closing=closing))
        nothing = misunderstanding.not_on_page(tracker.latest_message, self.store) if step == "did_you_mean" else None
        if nothing:  # hesitating between topics the page does not cover: it does not say, and who can answer
            return self.answered(self.answer(dispatcher, tracker, turn.Turn([turn.Asked(f"faq/{nothing}")]), list))
        if step == "did_you_mean":
            # The domain's response carries the "none of these" button; the topics go before it.
            template = domain["responses"]["utter_did_you_mean"][0]
            buttons = [{"title": c.title, "payload": c.payload} for c in choices] + template.get("buttons", [])
            dispatcher.utter_message(text=template["text"], buttons=buttons)
        else:
            dispatcher.utter_message(response=f"utter_{step}", **contact_values(self.store))
        # The rules accept a "yes" or "no" right after the offer of a person, and only then.
        return [SlotSet("handoff_offered", step == "offer_person"), SlotSet(misunderstanding.SLOT, step)]

    @staticmethod
    def answered(events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
        """The events of a message answered after all: the run of misunderstandings, and any offer, is over."""
        return events + [SlotSet("handoff_offered", False), SlotSet(misunderstanding.SLOT, None)]
