"""The ticket's thread in the staff Slack channel: where staff answer, close and reopen tickets.

The Slack channel (``bot.channels.slack``) hands this module every signed event and button press from
the staff channel (``HANDOFF_SLACK_CHANNEL``, by its id). What counts:
- a person's reply in the thread of a ticket's post answers the ticket (``delivery.answer_ticket``);
- the post's buttons *Close without reply* and *Reopen*.
Bots, the assistant itself, edits and deletions, messages outside a thread and threads of posts that
are not the assistant's are ignored. A reply that is not sent (the ticket is closed or already answered,
the reference is unknown, the answer is too long) gets a short explanation in the thread, so nothing
staff wrote disappears silently; a reply that is sent gets a note saying where it went.

The wording here is for staff, like the staff post itself (``notify.staff_message``).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any, Callable, Optional

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.handoffs import delivery, mail
from bot.handoffs.notify import CLOSE_ACTION, REOPEN_ACTION, escape, slack_client
from bot.handoffs.tickets import ANSWER_MAX, HandoffStore, Ticket, as_utc, default_handoffs
from bot.knowledge.store import KnowledgeStore, default_store

logger = logging.getLogger(__name__)


class StaffThread:
    """Staff-channel events and button presses, turned into answered, closed and reopened tickets."""

    def __init__(self, settings: Settings, handoffs: Optional[Callable[[], HandoffStore]] = None,
                 store: Optional[Callable[[], Optional[KnowledgeStore]]] = None,
                 send: delivery.Mailer = mail.send) -> None:
        self.settings = settings
        self.channel = settings.handoff_slack_channel
        self._handoffs = handoffs or functools.partial(default_handoffs, settings.handoff_db_url)
        self._store = store or default_store
        self.send = send

    @property
    def handoffs(self) -> HandoffStore:
        """The ticket store, opened on first use."""
        return self._handoffs()

    def store(self) -> Optional[KnowledgeStore]:
        """The knowledge store (the office's name and phone), or None when its database is down."""
        try:
            return self._store()
        except Exception:  # noqa: BLE001 - any database failure: the reply still goes out, naming the office
            logger.exception("The knowledge store is unavailable; the reply names the office without its phone")
            return None

    def is_staff_event(self, event: dict[str, Any]) -> bool:
        """True for an event in the staff channel (all of which this module handles, or ignores)."""
        return bool(self.channel) and event.get("channel") == self.channel

    def is_staff_action(self, payload: dict[str, Any]) -> bool:
        """True for a press of a ticket post's button."""
        actions = payload.get("actions") or [{}]
        return bool(self.channel) and actions[0].get("action_id") in (CLOSE_ACTION, REOPEN_ACTION)

    def on_event(self, payload: dict[str, Any]) -> str:
        """Handle one staff-channel event; returns what was done, for the HTTP answer and the log."""
        event, bots = payload.get("event") or {}, _bot_users(payload)
        thread, user = event.get("thread_ts"), event.get("user")
        if (event.get("type") != "message" or event.get("subtype") or event.get("bot_id") or not user
                or user in bots or not thread or thread == event.get("ts")):
            return "Not a person's reply in a thread; ignored."
        ticket = self.handoffs.by_staff_post(event["channel"], thread)
        if ticket is None:
            if event.get("parent_user_id") not in bots:
                return "A thread of another post; ignored."
            self.say(thread, "This post is not a ticket the assistant still has (it may have been deleted "
                             "after its retention period), so your reply was not sent to anyone.")
            return "Unknown ticket."
        answer = delivery.plain(event.get("text", ""))
        outcome = delivery.answer_ticket(self.handoffs, ticket.reference, answer, by=user, settings=self.settings,
                                         store=self.store(), send=self.send)
        if outcome.status == "not_open" and outcome.ticket and (outcome.ticket.answered_by, outcome.ticket.answer) \
                == (user, answer):
            return f"{ticket.reference}: this reply was already delivered."  # Slack retried it to another replica
        self.say(thread, self.explain(outcome, user, event.get("text", "")))
        return f"{ticket.reference}: {outcome.status}."

    def explain(self, outcome: delivery.Outcome, user: str, sent: str) -> str:
        """The note in the thread after a reply: where it went, or why it was not sent."""
        ticket = outcome.ticket
        reference = ticket.reference if ticket else "this ticket"
        if outcome.status == "answered":
            return f"Sent to the student as the answer to {reference}: " + "; ".join(outcome.delivery) + "."
        if outcome.status == "too_long":
            return (f"Not sent: your reply is {len(delivery.plain(sent)):,} characters and a student can be sent at "
                    f"most {ANSWER_MAX:,}. {reference} is still open: shorten it and reply again.")
        if outcome.status == "empty":
            return f"Not sent: the reply has no text for the student. {reference} is still open."
        if ticket is not None and ticket.status == "answered":
            return (f"Not sent: {reference} was already answered (by <@{escape(ticket.answered_by)}>), and the "
                    "student has that answer. Press Reopen to send another one.")
        return f"Not sent: {reference} is closed. Press Reopen, then reply again, to answer the student."

    def on_action(self, payload: dict[str, Any]) -> str:
        """Close or reopen the ticket of the pressed button, and say so in its thread."""
        action = payload["actions"][0]
        if (payload.get("channel") or {}).get("id") != self.channel:
            return "A button outside the staff channel; ignored."
        message = payload.get("message") or {}
        thread, user = message.get("thread_ts") or message.get("ts") or "", payload["user"]["id"]
        reference = str(action.get("value") or "")[:16]
        if action["action_id"] == CLOSE_ACTION:
            ticket = self.handoffs.close(reference) if self.handoffs.get(reference) else None
            note = f"Closed without a reply by <@{user}>. Press Reopen to answer it after all."
        else:
            ticket = self.handoffs.reopen(reference) if self.handoffs.get(reference) else None
            note = f"Reopened by <@{user}>: a reply in this thread now goes to the student."
        if ticket is None:
            note = f"The assistant no longer has ticket {escape(reference)}; nothing was changed."
        if thread:
            self.say(thread, note)
        return note

    def say(self, thread: str, text: str, broadcast: bool = False) -> None:
        """Post ``text`` in a thread of the staff channel (``broadcast``: in the channel too); failures are logged.

        The ticket is already saved: a note that does not reach staff loses nothing.
        """
        try:
            slack_client(self.settings.handoff_slack_token, self.settings.slack_api_url).chat_postMessage(
                channel=self.channel, thread_ts=thread, text=text, reply_broadcast=broadcast,
                unfurl_links=False, unfurl_media=False)
        except (SlackApiError, SlackClientError, OSError) as exc:
            logger.warning("Could not post in the staff thread %s: %s", thread, exc)

    def remind(self, now: dt.datetime, after: dt.timedelta) -> list[str]:
        """One reminder in the thread of each open ticket older than ``after``; the references reminded."""
        reminded = []
        for ticket in self.handoffs.list("open"):
            if ticket.staff_ts and as_utc(ticket.created_at) < now - after \
                    and self.handoffs.claim_reminder(ticket, now):
                self.say(ticket.staff_ts, _reminder(ticket, now), broadcast=True)
                reminded.append(ticket.reference)
        return reminded


def _reminder(ticket: Ticket, now: dt.datetime) -> str:
    hours = (now - as_utc(ticket.created_at)).total_seconds() / 3600
    waited = f"{hours / 24:.0f} days" if hours >= 48 else f"{hours:.0f} hours"
    return (f"{ticket.reference} has waited {waited} without an answer. Reply in this thread to answer "
            "the student, or press Close without reply.")


def _bot_users(payload: dict[str, Any]) -> set[str]:
    """The assistant's own user ids in this workspace (Slack lists them in ``authorizations``)."""
    return {a.get("user_id") for a in payload.get("authorizations") or [] if a.get("user_id")}
