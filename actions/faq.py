"""Answers to FAQ topics, chosen by the response selector and read from the knowledge store."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from bot.conversation import advising, misunderstanding
from bot.conversation.parse import faq_topic


def predicted_topic(tracker: Tracker) -> Optional[str]:
    """The FAQ topic of the latest message: 'credits' for the retrieval intent 'faq/credits'."""
    return faq_topic(tracker.latest_message)


class ActionAnswerFaq(KnowledgeAction):
    """Answer the FAQ topic just asked, or the pending or previous topic for the program just named."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return self.answer_turn(dispatcher, tracker, lambda: self.replies(tracker))

    def replies(self, tracker: Tracker) -> List[advising.Reply]:
        """The topic asked, or the pending or previous topic again for the program just named."""
        follow_up = tracker.latest_message.get("intent", {}).get("name") == "follow_up" or bool(
            self.entity(tracker, "program")
            and misunderstanding.continues_last_topic(tracker.latest_message, tracker.get_slot("last_topic")))
        if not (follow_up or self.completes_pending(tracker)):
            return [advising.answer_topic(self.store, predicted_topic(tracker), self.program(tracker))]
        return self.follow_up(tracker)


class ActionAnswerPushback(KnowledgeAction):
    """A student who can't meet what the last answer described: that answer again, then who can talk it through.

    "what if I can't make it?" after the orientation visit: the page says it is required with no exceptions,
    and only the Student Services Office can weigh a person's situation. With nothing answered before, the
    student is asked which requirement they mean.
    """

    def name(self) -> Text:
        return "action_answer_pushback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        found, topic = self.turn(tracker), tracker.get_slot("last_topic")
        office = advising.contact_values(self.store)
        if not topic and not (found and found.asked):
            return self.answer(dispatcher, tracker, found, lambda: [advising.Reply(response="utter_pushback_which",
                                                                                   values=office)])
        return self.answer(dispatcher, tracker, found, lambda: advising.follow_up(
            self.store, topic, self.program(tracker), tracker.get_slot("term")),
            closing=advising.Reply(response="utter_pushback", values=office))
