"""Retention: delete conversations, closed tickets and session reminders older than their window, or count them.

``python -m bot privacy purge [--dry-run]`` runs :func:`purge` on the tracker store named in
endpoints.yml and the handoff database; the windows come from the settings (``RETENTION_DAYS``,
``RETENTION_URGENT_DAYS``). Open tickets are never deleted, only reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.privacy import conversations, expired_reminders, expired_tickets


@dataclass(frozen=True)
class Policy:
    """How many days personal data is kept: conversations and closed tickets, and urgent tickets."""

    days: int
    urgent_days: int

    def cutoffs(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The moments before which data has expired: (the general one, the urgent tickets' one)."""
        return now - dt.timedelta(days=self.days), now - dt.timedelta(days=self.urgent_days)


@dataclass(frozen=True)
class Outcome:
    """What a purge deleted, or would delete on a dry run, and what it kept on purpose."""

    dry_run: bool
    policy: Policy
    conversations: int
    events: int
    conversations_kept: int
    tickets: int
    urgent_tickets: int
    open_tickets_past_window: tuple[str, ...]
    reminders: int = 0  # of sessions older than the window

    def lines(self) -> list[str]:
        """The outcome in words, for the command line."""
        verb = "would be deleted" if self.dry_run else "deleted"
        found = [f"Conversations idle for more than {self.policy.days} days: {self.conversations} {verb} "
                 f"({self.events} events); {self.conversations_kept} more recent kept.",
                 f"Closed handoff tickets older than {self.policy.days} days (urgent: {self.policy.urgent_days}): "
                 f"{self.tickets} {verb}, {self.urgent_tickets} of them urgent."]
        found.append(f"Reminders of sessions more than {self.policy.days} days ago: {self.reminders} {verb}.")
        if self.open_tickets_past_window:
            found.append(f"Open tickets past the window, kept until staff close them "
                         f"({len(self.open_tickets_past_window)}): {', '.join(self.open_tickets_past_window)}")
        found.append("Dry run: nothing was deleted." if self.dry_run else "Done.")
        return found


def purge(tracker: Engine | None, handoffs: Engine | None, policy: Policy, *, dry_run: bool = False,
          now: dt.datetime | None = None) -> Outcome:
    """Delete (or with ``dry_run`` only count) expired conversations and closed tickets; None: no database."""
    cutoff, urgent_cutoff = policy.cutoffs(now or dt.datetime.now(dt.timezone.utc))
    talk = conversations.count(tracker, cutoff) if tracker else conversations.ConversationCount(0, 0, 0)
    held = expired_tickets.count(handoffs, cutoff, urgent_cutoff) if handoffs else expired_tickets.TicketCount(0, 0, ())
    done_talk, done_events, done_tickets = talk.expired, talk.events, held.expired
    done_reminders = expired_reminders.count(handoffs, cutoff) if handoffs else 0
    if not dry_run:
        done_talk, done_events = conversations.purge(tracker, cutoff) if tracker else (0, 0)
        done_tickets = expired_tickets.purge(handoffs, cutoff, urgent_cutoff) if handoffs else 0
        done_reminders = expired_reminders.purge(handoffs, cutoff) if handoffs else 0
    return Outcome(dry_run, policy, done_talk, done_events, talk.kept, done_tickets, held.urgent,
                   held.open_past_window, done_reminders)
