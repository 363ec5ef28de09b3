"""Telling staff about a new ticket: a message in their Slack channel, posted by slack_sdk's WebClient."""

from __future__ import annotations

import functools
import logging
from typing import Callable, Optional

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.config import SLACK_API_URL, Settings
from bot.handoffs.form_fields import readable_phone
from bot.handoffs.tickets import Ticket

logger = logging.getLogger(__name__)
# The client's DEBUG lines hold the whole message it posts (names, emails, questions): never below INFO.
client_logger = logging.getLogger(f"{__name__}.slack_sdk")
client_logger.setLevel(logging.INFO)

Notifier = Callable[[Ticket], Optional[str]]
TRANSCRIPT_TURNS = 20


def escape(text: str) -> str:
    """User text as plain Slack text: &, < and > escaped, so no mention, link or markup reaches staff."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoted(label: str, text: str) -> list[str]:
    """``text`` from a user, every line inside the quote, so a newline cannot forge a line of ours."""
    lines = escape(text).splitlines() or [""]
    return [f"> {label}{lines[0]}", *(f"> {line}" for line in lines[1:])]


def staff_message(ticket: Ticket) -> str:
    """What staff read in Slack: the ticket, how to reply, the question and the end of the transcript.

    Everything a user typed (name, contact, question, transcript) is escaped and quoted.
    """
    phone = readable_phone(ticket.phone) if ticket.phone else "-"
    lines = [f"{'URGENT ' if ticket.urgent else ''}Handoff {ticket.reference} from {escape(ticket.channel)}"]
    lines += quoted("Name: ", ticket.name or "(no name)")
    lines += quoted("Contact: ", f"email {ticket.email or '-'}, phone {phone}")
    lines += quoted("Question: ", ticket.question or "(not given; see the transcript)")
    lines.append("Transcript:")
    for turn in ticket.turns()[-TRANSCRIPT_TURNS:]:
        lines += quoted(f"{escape(str(turn.get('from', '?')))}: ", str(turn.get("text", "")))
    return "\n".join(lines)


# Slack's limits on a message's blocks: 3,000 characters of text a section, 50 blocks.
SECTION_MAX = 3000
SECTIONS_MAX = 45
CLOSE_ACTION, REOPEN_ACTION = "handoff_close", "handoff_reopen"


def staff_blocks(ticket: Ticket) -> list[dict]:
    """The staff message as Slack blocks: its text in sections, then *Close without reply* and *Reopen*."""
    sections: list[str] = []
    for line in staff_message(ticket).splitlines():
        for start in range(0, max(len(line), 1), SECTION_MAX - 1):
            piece = line[start:start + SECTION_MAX - 1]
            if sections and len(sections[-1]) + 1 + len(piece) <= SECTION_MAX:
                sections[-1] += "\n" + piece
            else:
                sections.append(piece or " ")
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}
                          for text in sections[:SECTIONS_MAX]]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": (
        "Reply in this thread to answer the student: the assistant sends your reply to them.")}]})
    blocks.append({"type": "actions", "block_id": f"handoff:{ticket.reference}", "elements": [
        {"type": "button", "action_id": CLOSE_ACTION, "value": ticket.reference,
         "text": {"type": "plain_text", "text": "Close without reply"}},
        {"type": "button", "action_id": REOPEN_ACTION, "value": ticket.reference,
         "text": {"type": "plain_text", "text": "Reopen"}}]})
    return blocks


def slack_client(token: str, api_url: str = SLACK_API_URL, timeout: int = 10) -> WebClient:
    """A Web API client that tries once more after a dropped connection and waits out one rate limit."""
    return WebClient(token=token, base_url=api_url.rstrip("/") + "/", timeout=timeout, logger=client_logger,
                     retry_handlers=[ConnectionErrorRetryHandler(), RateLimitErrorRetryHandler(max_retry_count=1)])


def notify_staff(ticket: Ticket, *, token: str, channel: str, api_url: str = SLACK_API_URL,
                 timeout: int = 10) -> str | None:
    """Post the ticket to the staff Slack channel; None on success, else the reason it failed."""
    if not token or not channel:
        return "staff Slack channel not configured (HANDOFF_SLACK_CHANNEL, HANDOFF_SLACK_TOKEN or SLACK_BOT_TOKEN)"
    try:
        posted = slack_client(token, api_url, timeout).chat_postMessage(
            channel=channel, text=staff_message(ticket), blocks=staff_blocks(ticket),
            unfurl_links=False, unfurl_media=False)
        # Replies in this post's thread answer the ticket (bot/handoffs/staff_thread.py).
        ticket.staff_channel, ticket.staff_ts = posted.get("channel") or channel, posted.get("ts") or ""
    except SlackApiError as exc:
        return f"Slack refused the message: {exc.response.get('error') or exc.response.status_code}"
    except (SlackClientError, OSError) as exc:  # OSError: urllib's URLError, a refused connection, a timeout
        logger.warning("Could not notify staff about %s: %s", ticket.reference, exc)
        return f"Slack unreachable: {type(exc).__name__}"
    return None


def staff_notifier(settings: Settings) -> Notifier:
    """``notify_staff`` with the staff channel, token and Slack API address from ``settings``."""
    return functools.partial(notify_staff, token=settings.handoff_slack_token,
                             channel=settings.handoff_slack_channel, api_url=settings.slack_api_url)
