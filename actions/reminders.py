"""Reminders a student asks for after the sessions list: "remind me about the Shady Grove one", "stop reminders"."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from bot.conversation import advising
from bot.handoffs.tickets import HandoffStore, default_handoffs
from bot.reminders import asking
from bot.reminders.store import ReminderStore, default_reminders


class ReminderAction(KnowledgeAction):
    """An action on this conversation's reminders, in the ticket database; tests pass their own stores."""

    def __init__(self, *args: Any, reminders: Optional[ReminderStore] = None,
                 handoffs: Optional[HandoffStore] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reminders, self._handoffs = reminders, handoffs

    @property
    def reminders(self) -> ReminderStore:
        """The injected reminder store, or the process's one at the settings' ``handoff_db_url``."""
        if self._reminders is None:
            self._reminders = default_reminders(self.settings.handoff_db_url)
        return self._reminders

    @property
    def handoffs(self) -> HandoffStore:
        """The ticket store, whose tickets may hold the address the student gave staff."""
        if self._handoffs is None:
            self._handoffs = default_handoffs(self.settings.handoff_db_url)
        return self._handoffs


class ActionRemindMe(ReminderAction):
    """Store an email reminder for the listed session the student names, the day before it."""

    def name(self) -> Text:
        return "action_remind_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        request = asking.Request(
            sender_id=tracker.sender_id, channel=tracker.get_latest_input_channel() or "",
            text=tracker.latest_message.get("text") or "", campus=self.entity(tracker, "campus"),
            format=self.entity(tracker, "delivery_mode"), listed=tracker.get_slot("listed_sessions") or (),
            shown_sessions=tracker.get_slot("last_topic") == advising.SESSIONS,
            list_campus=tracker.get_slot("campus"), list_format=tracker.get_slot("delivery_mode"),
            waiting=tracker.get_slot("reminder_session"), timezone=tracker.get_slot("timezone"),
            earlier_addresses=(tracker.get_slot("reminder_email"), tracker.get_slot("handoff_contact")))
        using = asking.Collaborators(self.store, self.reminders, self.handoffs, self.settings, self.clock())
        return self.say(dispatcher, asking.remind(request, using))


class ActionStopReminders(ReminderAction):
    """Cancel every reminder this conversation asked for."""

    def name(self) -> Text:
        return "action_stop_reminders"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return self.say(dispatcher, asking.stop(tracker.sender_id, self.reminders, self.store))
