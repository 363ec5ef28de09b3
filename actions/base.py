"""What every knowledge-reading action shares: its collaborators and how it speaks."""

from __future__ import annotations

import abc
import asyncio
import datetime as dt
import functools
import logging
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.config import Settings, load_settings
from bot.conversation import advising, misunderstanding, parse, turn
from bot.conversation.advising import Reply
from bot.database import retrying
from bot.handoffs import transcript
from bot.handoffs.form_fields import check_contact
from bot.handoffs.notify import Notifier, staff_notifier
from bot.handoffs.paging import UrgentPager, staff_pager
from bot.handoffs.tickets import (
    MAX_TICKETS_PER_HOUR,
    URGENT_REPEAT_WINDOW,
    HandoffStore,
    Ticket,
    TicketLimit,
    default_handoffs,
)
from bot.knowledge.store import KnowledgeStore, default_store

Clock = Callable[[], dt.datetime]
logger = logging.getLogger(__name__)

# How long an action waits for its database to come back (a PostgreSQL restart takes seconds) before it fails.
DATABASE_RETRY_SECONDS = 20.0


def utc_now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


@functools.lru_cache(maxsize=1)
def process_settings() -> Settings:
    """The action server's settings, read from its environment once and shared by every action."""
    return load_settings()


class UsesStore:
    """Collaborators of an action: the knowledge store, a clock and settings; tests pass their own.

    Every ``run`` of a subclass rides out a database restart: it runs again, from the start and with
    what it said so far forgotten, while the knowledge or ticket database cannot be reached. Without it
    the student gets silence (Rasa drops a failed action's messages and carries on).
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None:
            cls.run = _riding_out_restarts(run)  # type: ignore[method-assign]

    def __init__(self, store: Optional[KnowledgeStore] = None, clock: Clock = utc_now,
                 settings: Optional[Settings] = None) -> None:
        self._store = store
        self.clock = clock
        self.settings = settings or process_settings()

    @property
    def store(self) -> KnowledgeStore:
        """The injected store, or the process's default one opened on first use."""
        if self._store is None:
            self._store = default_store()
        return self._store


def _riding_out_restarts(run: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(run)
    async def attempts(self: UsesStore, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: Dict[Text, Any]) -> Any:
        async def attempt() -> Any:
            dispatcher.messages.clear()
            return await run(self, dispatcher, tracker, domain)

        return await retrying(attempt, f"the action {type(self).__name__}", DATABASE_RETRY_SECONDS)

    return attempts


class KnowledgeAction(UsesStore, Action, abc.ABC):
    """An action answering from the knowledge store."""

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

    def named_program(self, tracker: Tracker) -> Optional[str]:
        """The program this message names: by name, or as "the other one" once the conversation has one."""
        named = self.entity(tracker, "program")
        if not named and parse.means_the_other(tracker.latest_message.get("text") or ""):
            named = advising.other_program(self.store, tracker.get_slot("program"))
        return named

    def program(self, tracker: Tracker) -> Optional[str]:
        """The program named in this message, else the one the conversation is about."""
        return self.named_program(tracker) or tracker.get_slot("program")

    def completes_pending(self, tracker: Tracker) -> bool:
        """Whether the latest message is little more than a program's name, typed after a question back."""
        return bool(tracker.get_slot("pending_topic") and self.entity(tracker, "program")
                    and misunderstanding.is_short(tracker.latest_message))

    def follow_up(self, tracker: Tracker) -> List[Reply]:
        """The topic the follow-up names, else the pending (or last) one, for the program named or the other."""
        topic = (misunderstanding.topic_named_in_follow_up(tracker.latest_message)
                 or tracker.get_slot("pending_topic") or tracker.get_slot("last_topic"))
        narrows = any(self.entity(tracker, name) for name in ("campus", "delivery_mode", "timezone"))
        if topic == advising.SESSIONS or (narrows and not topic):  # "at shady grove?" after the list: filtered
            return [self.info_sessions(tracker, keep_filter=True)]
        program = self.named_program(tracker) or advising.other_program(self.store, tracker.get_slot("program"))
        return advising.follow_up(self.store, topic, program, tracker.get_slot("term"))

    def info_sessions(self, tracker: Tracker, keep_filter: bool = False) -> Reply:
        """Upcoming information sessions, filtered by the campus and format named in the latest message.

        ``keep_filter``: a follow-up to the list. One that names neither a campus nor a format ("in central
        time?") keeps the list's filter; one that names either filters afresh.
        """
        campus, format = self.entity(tracker, "campus"), self.entity(tracker, "delivery_mode")
        if keep_filter and not campus and not format:
            campus, format = tracker.get_slot("campus"), tracker.get_slot("delivery_mode")
        return advising.info_sessions(
            self.store, self.clock(), campus=campus, format=format, timezone=self.settings.timezone,
            user_timezone=self.entity(tracker, "timezone") or tracker.get_slot("timezone"),
            public_url=self.settings.public_url)

    def turn(self, tracker: Tracker) -> Optional[turn.Turn]:
        """The latest message's questions, read once per turn (bot/conversation/turn.py)."""
        last = tracker.get_slot("last_topic")
        # The last topic as a label: its own intent ('ask_specializations'), else its FAQ label ('faq/cohort').
        last_label = next((intent for intent, topic in advising.INTENT_TOPICS.items() if topic == last),
                          f"faq/{last}" if last else None)
        return turn.resolve(tracker.latest_message, lambda text: self.store.resolve("program", text), self.covered,
                            last_label, nearby=self.says_nearby)

    def answer_turn(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                    own: Callable[[], List[Reply]]) -> List[Dict[Text, Any]]:
        """Answer what the turn asks (bot/conversation/turn.py), else ``own()``, the action's own answer."""
        return self.answer(dispatcher, tracker, self.turn(tracker), own)

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, found: Optional[turn.Turn],
               own: Callable[[], List[Reply]], closing: Optional[Reply] = None) -> List[Dict[Text, Any]]:
        """Answer the turn ``found``, or ``own()`` when it asks nothing; then ``closing``, the 988 line, the new focus.

        The 988 line follows when the message read like a crisis but asked a program question; the focus is
        what the next message's "it" means.
        """
        message = tracker.latest_message  # not ``parse``: that name is the module bot.conversation.parse here
        if found.story if found is not None else message.get("story"):
            # Condolences when the story tells of a loss or read like a crisis, else thanks: also when idioms explain
            # the crisis reading ("I've overdosed on coffee reading your website lol"), no hardship to be sorry for.
            hard = message.get("loss") or (found is not None and found.crisis_line and not message.get("idiom"))
            dispatcher.utter_message(response="utter_sorry_to_hear" if hard else "utter_story_heard")
        if found is None or not (found.asked or found.not_understood):
            replies = own()  # nothing the turn reads as a program question: the action's own answer
        else:
            replies = []
            for asked in found.asked:
                if asked.label == "ask_info_sessions":
                    replies.append(self.info_sessions(tracker))
                else:
                    # "the other program" named in the message counts as naming it ("and in the other one?")
                    program = asked.program or self.named_program(tracker) or tracker.get_slot("program")
                    replies += advising.answer(self.store, asked.label, program, self.entity(tracker, "term"),
                                               asked.text)
        if closing is None and found is not None and found.pushed_back:  # "is there any way out of the summers?"
            closing = Reply(response="utter_pushback", values=advising.contact_values(self.store))
        events: List[Dict[Text, Any]] = []
        for reply in replies + ([closing] if closing else []):
            events += self.say(dispatcher, reply)
        for part in found.not_understood if found else []:
            dispatcher.utter_message(response="utter_part_not_understood", part=part)
        if found is not None and found.crisis_line:
            dispatcher.utter_message(response="utter_crisis_line")
        # What a follow-up's "it" may mean: the subject of each answer, the latest first (one answer, one subject).
        subjects = [advising.focus(self.store, e["value"]) for e in reversed(events) if e.get("name") == "last_topic"]
        subjects = list(dict.fromkeys(s for s in subjects if s))
        # Each slot once, with its last value, and only when it changes: every event is stored, replayed on
        # each later turn and sent to this server again. The focus is set on every answer: its time is when
        # the conversation last leaned on it (bot/channels/context.py).
        final = {event["name"]: event["value"] for event in events}
        events = [SlotSet(name, value) for name, value in final.items() if tracker.get_slot(name) != value]
        if subjects:
            events.append(SlotSet("focus", turn.FOCUS_SEPARATOR.join(subjects[:turn.MAX_FOCUSES])))
        return events

    def covered(self, label: str) -> bool:
        """Whether the page answers a label: an FAQ topic with a covered answer, or a topic's own intent."""
        if "/" not in label:
            return True
        return advising.covered(self.store, label.split("/", 1)[1])

    def says_nearby(self, label: str) -> bool:
        """Whether an FAQ label the page does not cover is answered with what the page says nearby."""
        return "/" in label and advising.says_nearby(self.store, label.split("/", 1)[1])

    @staticmethod
    def say(dispatcher: CollectingDispatcher, reply: Reply) -> List[Dict[Text, Any]]:
        """Utter ``reply`` and return the slot events it carries."""
        if reply.text:
            dispatcher.utter_message(text=reply.text)
        if reply.response:
            dispatcher.utter_message(response=reply.response, **reply.values)
        return [SlotSet(name, value) for name, value in reply.slots.items()]


class HandoffAction(KnowledgeAction, abc.ABC):
    """An action that hands a conversation to staff: a ticket in the handoff store, then a Slack message."""

    def __init__(self, store: Optional[KnowledgeStore] = None, clock: Clock = utc_now,
                 settings: Optional[Settings] = None, handoffs: Optional[HandoffStore] = None,
                 notify: Optional[Notifier] = None, pager: Optional[UrgentPager] = None) -> None:
        super().__init__(store, clock, settings)
        self._handoffs = handoffs
        self.notify = notify or staff_notifier(self.settings)
        self.pager = pager or staff_pager(self.settings)

    @property
    def handoffs(self) -> HandoffStore:
        """The injected ticket store, or the process's one at the settings' ``handoff_db_url``."""
        if self._handoffs is None:
            self._handoffs = default_handoffs(self.settings.handoff_db_url)
        return self._handoffs

    async def hand_off(self, tracker: Tracker, *, name: str = "", contact: str = "", question: str = "",
                       urgent: bool = False) -> Ticket:
        """Store a ticket with the transcript so far, then tell staff; a failed message is recorded, not raised.

        A crisis repeated within the window returns the urgent ticket already stored; past the hourly
        limit of ordinary tickets, TicketLimit is raised (a crisis is never refused). Past the urgent page
        limit of the minute (``bot.handoffs.paging``), an urgent ticket is stored and held for one summary post.
        """
        now = self.clock()
        if urgent:
            repeat = next((t for t in self.handoffs.from_sender(tracker.sender_id, now - URGENT_REPEAT_WINDOW)
                           if t.urgent), None)
            if repeat is not None:
                return repeat  # staff already have it: no second page
        elif len(self.handoffs.from_sender(tracker.sender_id, now - dt.timedelta(hours=1))) >= MAX_TICKETS_PER_HOUR:
            raise TicketLimit(tracker.sender_id)
        kind, checked = check_contact(contact)
        ticket = self.handoffs.create(
            channel=tracker.get_latest_input_channel() or "", sender_id=tracker.sender_id, name=name,
            email=checked.value if kind == "email" else "", phone=checked.value if kind == "phone" else "",
            question=question, transcript=transcript.from_events(tracker.events), urgent=urgent, now=now)
        if urgent and not self.pager.may_page(self.handoffs, ticket):
            self.pager.hold(self.handoffs, ticket)  # stored, and listed in the minute's summary post
            return ticket
        # The Slack client blocks (and may wait out a rate limit): post from a worker thread so the action
        # server keeps serving others.
        error = await asyncio.get_running_loop().run_in_executor(None, self.notify, ticket)
        if error is not None:
            logger.warning("Staff were not told about %s: %s", ticket.reference, error)
        self.handoffs.record_notification(ticket, error)
        return ticket
