"""A limit on urgent pages across every conversation: the first few a minute are posted, the rest gathered.

Flood limits per conversation (bot/handoffs/tickets.py) do not stop a client that invents a new conversation
id for each crisis message. Every urgent ticket is still stored; but once ``per_minute`` urgent tickets have
been stored in the current minute, a new one is held back (its ``notify_error`` says so) and, at the end of
the minute, one "N more urgent conversations" post lists every held ticket's reference. The count is read
from the ticket database, so it holds across action servers; each held ticket is claimed by one server only.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Callable, Optional, Sequence

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.handoffs.notify import slack_client
from bot.handoffs.tickets import HandoffStore, Ticket

logger = logging.getLogger(__name__)

HELD = "held back: over the urgent page limit; listed in the next summary post"
Poster = Callable[[str], Optional[str]]


def summary_message(tickets: Sequence[Ticket]) -> str:
    """One staff post for the urgent tickets held back: how many, and each reference to look up."""
    references = ", ".join(t.reference for t in tickets)
    return (f"URGENT {len(tickets)} more urgent conversation{'s' if len(tickets) != 1 else ''} "
            f"(over the limit of urgent posts a minute; each is a stored ticket, `python -m bot handoffs show "
            f"REFERENCE`): {references}")


def post_text(text: str, *, token: str, channel: str, api_url: str, timeout: int = 10) -> Optional[str]:
    """Post ``text`` to the staff channel; None on success, else why not."""
    if not token or not channel:
        return "staff Slack channel not configured (HANDOFF_SLACK_CHANNEL, HANDOFF_SLACK_TOKEN or SLACK_BOT_TOKEN)"
    try:
        slack_client(token, api_url, timeout).chat_postMessage(channel=channel, text=text, unfurl_links=False,
                                                               unfurl_media=False)
    except SlackApiError as exc:
        return f"Slack refused the message: {exc.response.get('error') or exc.response.status_code}"
    except (SlackClientError, OSError) as exc:
        return f"Slack unreachable: {type(exc).__name__}"
    return None


class UrgentPager:
    """Decides whether an urgent ticket pages staff now, and posts the summary of those held back."""

    def __init__(self, per_minute: int, post: Poster,
                 schedule: Optional[Callable[[float, Callable[[], None]], None]] = None) -> None:
        self.per_minute = per_minute
        self.post = post
        self._schedule = schedule
        self._pending = False

    def may_page(self, handoffs: HandoffStore, ticket: Ticket) -> bool:
        """Whether fewer than ``per_minute`` urgent tickets were stored before this one in its minute."""
        minute = ticket.created_at.replace(second=0, microsecond=0)
        return handoffs.urgent_since(minute, before=ticket) < self.per_minute

    def hold(self, handoffs: HandoffStore, ticket: Ticket) -> None:
        """Keep ``ticket`` for the summary post, and make sure one is due at the end of this minute."""
        handoffs.record_notification(ticket, HELD)
        if self._pending:
            return
        self._pending = True
        delay = 61 - time.time() % 60  # just after the minute the held tickets belong to
        (self._schedule or _call_later)(delay, functools.partial(self._post_in_background, handoffs))

    def post_held(self, handoffs: HandoffStore) -> int:
        """Post one summary of every ticket held back (and not claimed by another server); how many it listed."""
        self._pending = False
        held = handoffs.claim(HELD)
        if not held:
            return 0
        error = self.post(summary_message(held))
        if error is not None:
            logger.warning("Staff were not told about %d held urgent tickets: %s", len(held), error)
        for ticket in held:
            handoffs.record_notification(ticket, error)
        logger.info("Summary of %d urgent tickets held back: %s", len(held), ", ".join(t.reference for t in held))
        return len(held)

    def _post_in_background(self, handoffs: HandoffStore) -> None:
        loop = asyncio.get_running_loop()
        task = loop.run_in_executor(None, self.post_held, handoffs)
        task.add_done_callback(_log_failure)


def _call_later(delay: float, callback: Callable[[], None]) -> None:
    asyncio.get_running_loop().call_later(delay, callback)


def _log_failure(future: asyncio.Future[int]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("The summary of held urgent tickets failed", exc_info=future.exception())


@functools.lru_cache(maxsize=4)
def staff_pager(settings: Settings) -> UrgentPager:
    """The process's pager, posting to the staff channel of ``settings`` (one per process: one pending summary)."""
    return UrgentPager(settings.urgent_pages_per_minute,
                       functools.partial(post_text, token=settings.handoff_slack_token,
                                         channel=settings.handoff_slack_channel, api_url=settings.slack_api_url))

