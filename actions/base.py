"""What every knowledge-reading action shares: its collaborators and how it speaks."""

from __future__ import annotations

import abc
import datetime as dt
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.advising import Reply
from bot.config import Settings, load_settings
from bot.store import KnowledgeStore, default_store

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


class KnowledgeAction(Action, abc.ABC):
    """An action answering from the knowledge store; tests pass their own store and clock."""

    def __init__(self, store: Optional[KnowledgeStore] = None, clock: Clock = utc_now,
                 settings: Optional[Settings] = None) -> None:
        self._store = store
        self.clock = clock
        self.settings = settings or load_settings()

    @property
    def store(self) -> KnowledgeStore:
        """The injected store, or the process's default one opened on first use."""
        if self._store is None:
            self._store = default_store()
        return self._store

    @abc.abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    def entity(self, tracker: Tracker, label: str) -> Optional[str]:
        """Canonical value of the latest message's ``label`` entity, e.g. 'MLS' for 'library science'."""
        for text in tracker.get_latest_entity_values(label):
            value = self.store.resolve(label, text)
            if value:
                return value
        return None

    def program(self, tracker: Tracker) -> Optional[str]:
        """The program named in this message, else the one the conversation is about."""
        return self.entity(tracker, "program") or tracker.get_slot("program")

    @staticmethod
    def say(dispatcher: CollectingDispatcher, reply: Reply) -> List[Dict[Text, Any]]:
        """Utter ``reply`` and return the slot events it carries."""
        if reply.text:
            dispatcher.utter_message(text=reply.text)
        if reply.response:
            dispatcher.utter_message(response=reply.response, **reply.values)
        return [SlotSet(name, value) for name, value in reply.slots.items()]
