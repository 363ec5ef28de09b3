"""Reminders a student asks for after the sessions list: "remind me about the Shady Grove one", "stop reminders"."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction
from bot.conversation import advising
from bot.conversation.wording import line
from bot.handoffs.form_fields import check_email
from bot.handoffs.tickets import HandoffStore, as_utc, default_handoffs
from bot.knowledge.records import InfoSession
from bot.reminders import choice, schedule
from bot.reminders.sending import session_values
from bot.reminders.store import ReminderStore, default_reminders

# Something the student typed as an address: a run of non-space characters around an @.
TYPED_ADDRESS = re.compile(r"[^\s<>()\[\],;:\"']*@[^\s<>()\[\],;:\"']*")


class ReminderAction(KnowledgeAction):
    """An action on this conversation's reminders, in the ticket database; tests pass their own store."""

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


def listed_sessions(action: KnowledgeAction, tracker: Tracker) -> Optional[List[InfoSession]]:
    """The sessions the conversation was last shown, in order; None when it was shown no list."""
    uids = tracker.get_slot("listed_sessions") or []
    if uids:
        return [s for s in (action.store.info_session(uid) for uid in uids) if s is not None]
    if tracker.get_slot("last_topic") == advising.SESSIONS:  # a list shown by a follow-up: the same filter again
        return action.store.upcoming_info_sessions(action.clock(), campus=tracker.get_slot("campus"),
                                                   format=tracker.get_slot("delivery_mode"))
    return None


def given_email(tracker: Tracker, handoffs: HandoffStore) -> tuple[str, str]:
    """(address, "") from this message or what the conversation gave before; ("", typed) when one is malformed."""
    typed = [t.strip(".!?") for t in TYPED_ADDRESS.findall(tracker.latest_message.get("text") or "")]
    typed = [t for t in typed if t.strip("@")]  # a lone "@" ("the one @ college park") is no address
    if typed:
        checked = check_email(typed[0])
        return (checked.value, "") if not checked.problem else ("", typed[0])
    for earlier in (tracker.get_slot("reminder_email"), tracker.get_slot("handoff_contact")):
        if earlier and not check_email(earlier).problem:
            return check_email(earlier).value, ""
    ticket = next((t for t in handoffs.of_conversation(tracker.sender_id) if t.email), None)
    return (ticket.email, "") if ticket else ("", "")


class ActionRemindMe(ReminderAction):
    """Store an email reminder for the listed session the student names, the day before it."""

    def name(self) -> Text:
        return "action_remind_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        now, zone = self.clock(), schedule.zone_of(tracker.get_slot("timezone"), self.settings.timezone)
        listed = listed_sessions(self, tracker)
        if not listed:
            dispatcher.utter_message(response="utter_reminder_no_list")
            return [SlotSet("reminder_pending", False)]
        session, events = self.chosen(dispatcher, tracker, listed, zone)
        if session is None:
            return events + [SlotSet("reminder_pending", False)]
        values = session_values(session, str(zone.key), self.settings, self.store)
        if as_utc(session.starts_at) <= as_utc(now):
            dispatcher.utter_message(response="utter_reminder_session_passed", **values)
            return [SlotSet("reminder_session", None), SlotSet("reminder_pending", False)]
        email, malformed = given_email(tracker, self.handoffs)
        if not email:
            dispatcher.utter_message(response="utter_reminder_bad_email" if malformed else "utter_reminder_ask_email",
                                     value=malformed, **values)
            return [SlotSet("reminder_session", session.uid), SlotSet("reminder_pending", True)]
        send_at = schedule.send_time(session.starts_at, zone, now)
        self.reminders.add(sender_id=tracker.sender_id, channel=tracker.get_latest_input_channel() or "",
                           email=email, session_uid=session.uid, session_title=session.title,
                           starts_at=session.starts_at, send_at=send_at, timezone=str(zone.key), now=now)
        local = send_at.astimezone(zone)
        dispatcher.utter_message(response="utter_reminder_set", email=email,
                                 remind_day=f"{local:%a, %b} {local.day}", **values)
        return [SlotSet("reminder_session", None), SlotSet("reminder_pending", False), SlotSet("reminder_email", email)]

    def chosen(self, dispatcher: CollectingDispatcher, tracker: Tracker, listed: List[InfoSession],
               zone: Any) -> tuple[Optional[InfoSession], List[Dict[Text, Any]]]:
        """The session the message names (or the one waiting for an address); else the question back."""
        text = tracker.latest_message.get("text") or ""
        campus, format = self.entity(tracker, "campus"), self.entity(tracker, "delivery_mode")
        names_one = campus or format or choice.ordinal(text) is not None or choice.named_date(text)
        waiting = tracker.get_slot("reminder_session")
        if waiting and not names_one:
            session = self.store.info_session(waiting)
            if session is not None:
                return session, []
        found = choice.choose(listed, text, campus=campus, format=format, zone=zone)
        if found.session is not None:
            return found.session, []
        if not found.candidates:
            dispatcher.utter_message(response="utter_reminder_no_match")
            return None, [SlotSet("reminder_session", None)]
        items = "\n".join(line("utter_line_reminder_choice", number=number, title=s.title,
                               when=advising.format_time(s.starts_at, zone))
                          for number, s in enumerate(found.candidates, start=1))
        dispatcher.utter_message(response="utter_reminder_which", items=items)
        return None, [SlotSet("listed_sessions", [s.uid for s in found.candidates]), SlotSet("reminder_session", None)]


class ActionStopReminders(ReminderAction):
    """Cancel every reminder this conversation asked for."""

    def name(self) -> Text:
        return "action_stop_reminders"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        cancelled = self.reminders.cancel_all(tracker.sender_id)
        dispatcher.utter_message(response="utter_reminders_cancelled" if cancelled else "utter_no_reminders",
                                 count=cancelled, **advising.contact_values(self.store))
        return [SlotSet("reminder_session", None), SlotSet("reminder_pending", False)]
