"""A staff answer on its way to the student: stored on the ticket once, then sent where the student is.

Both ways staff answer (a reply in the ticket's Slack thread, ``python -m bot handoffs reply``) end in
:func:`answer_ticket`. The ticket moves from open to answered in one conditional update
(``HandoffStore.answer``): whichever replica wins it delivers, so a Slack retry reaching another replica
sends nothing twice. The answer goes
- to a Slack student in their own thread (or DM), posted by the assistant;
- to a web-chat student when their widget asks (``bot.channels.webchat``'s replies endpoint);
- by email when the student gave an address and email is configured;
and how it went is recorded on the ticket. The student-facing wording is in ``domain.yml``.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Callable, Optional

from bot.config import Settings
from bot.conversation import advising, wording
from bot.handoffs import mail
from bot.handoffs.notify import escape, slack_client
from bot.handoffs.tickets import ANSWER_MAX, HandoffStore, Ticket
from bot.knowledge.store import KnowledgeStore

logger = logging.getLogger(__name__)

# Slack's markup in a staff message: <https://x|label>, <mailto:a@b|a@b>, <@U123>, <#C123|name>, <!here>.
SLACK_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
Mailer = Callable[[Settings, EmailMessage], None]


@dataclass
class Outcome:
    """What answering did: ``status`` is answered, unknown, not_open, too_long or empty."""

    status: str
    ticket: Optional[Ticket] = None
    delivery: list[str] = field(default_factory=list)


def plain(slack_text: str) -> str:
    """A staff message from Slack as the plain text the student reads: links spelled out, mentions dropped."""

    def unwrap(match: re.Match) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith(("http://", "https://")):
            return target if not label or label == target else f"{label} ({target})"
        if target.startswith("mailto:"):
            return label or target.removeprefix("mailto:")
        if target.startswith("#"):
            return f"#{label}" if label else ""
        return ""  # user, group and special mentions (<@U1>, <!here>) mean nothing to a student

    return re.sub(r"[ \t]{2,}", " ", html.unescape(SLACK_MARKUP.sub(unwrap, slack_text))).strip()


def text(response: str, **values: str) -> str:
    """The domain's response ``response`` filled with ``values`` (str.format, so braces in values stay as typed)."""
    return wording.responses()[response][0]["text"].format(**values)


def reply_values(ticket: Ticket, store: Optional[KnowledgeStore]) -> dict[str, str]:
    """What the reply responses say: the office, its phone, the ticket's reference, question and answer."""
    return {**advising.contact_values(store), "reference": ticket.reference, "answer": ticket.answer,
            "question": ticket.question or "(your question)", "name": f" {ticket.name}" if ticket.name else ""}


def web_reply(ticket: Ticket, store: Optional[KnowledgeStore]) -> str:
    """The reply as the widget shows it: "Reply from the Student Services Office: ..."."""
    return text("utter_staff_reply", **reply_values(ticket, store))


def web_replies(handoffs: HandoffStore, store: Optional[KnowledgeStore], sender_id: str) -> list[dict[str, str]]:
    """The answers to one conversation's tickets, oldest first, as the widget shows them."""
    answered = [t for t in reversed(handoffs.of_conversation(sender_id)) if t.answered_at and t.answer]
    return [{"id": t.reference, "text": web_reply(t, store)} for t in answered]


def slack_address(sender_id: str) -> tuple[str, str] | None:
    """The Slack channel and thread of a conversation id ``slack:<user>_<channel>_<thread>``."""
    parts = sender_id.removeprefix("slack:").split("_")
    if not sender_id.startswith("slack:") or len(parts) < 2:
        return None
    return parts[1], parts[2] if len(parts) > 2 else ""


def to_slack(ticket: Ticket, settings: Settings, store: Optional[KnowledgeStore]) -> str:
    """Post the reply in the student's own Slack thread or DM; the line recorded on the ticket."""
    from slack_sdk.errors import SlackApiError, SlackClientError

    address = slack_address(ticket.sender_id)
    if address is None or not settings.slack_bot_token:
        return "slack: cannot reach the student's conversation (no bot token or no thread)"
    channel, thread = address
    try:
        slack_client(settings.slack_bot_token, settings.slack_api_url).chat_postMessage(
            channel=channel, thread_ts=thread or None, text=escape(web_reply(ticket, store)),
            unfurl_links=False, unfurl_media=False)
    except SlackApiError as exc:
        return f"slack: refused ({exc.response.get('error') or exc.response.status_code})"
    except (SlackClientError, OSError) as exc:
        logger.warning("Could not post the answer to %s in Slack: %s", ticket.reference, exc)
        return f"slack: unreachable ({type(exc).__name__})"
    return "slack: posted in the student's thread"


def by_email(ticket: Ticket, settings: Settings, store: Optional[KnowledgeStore],
             send: Mailer = mail.send) -> str:
    """Email the question and the answer to the student's address; the line recorded on the ticket."""
    if not ticket.email:
        return "email: the student gave no address"
    if not settings.email_configured:
        return "email: not sent, email is not configured (SMTP_URL, EMAIL_FROM)"
    values = reply_values(ticket, store)
    try:
        send(settings, mail.message(settings, to=ticket.email, to_name=ticket.name,
                                    subject=text("utter_staff_reply_email_subject", **values),
                                    body=text("utter_staff_reply_email", **values)))
    except mail.MailError as exc:
        return f"email: not sent, {exc}"
    return "email: sent"


def deliver(ticket: Ticket, settings: Settings, store: Optional[KnowledgeStore],
            send: Mailer = mail.send) -> list[str]:
    """Send an answered ticket's answer everywhere the student can read it; one line per way."""
    lines = []
    if ticket.channel == "slack":
        lines.append(to_slack(ticket, settings, store))
    elif ticket.channel == "webchat":
        lines.append("web chat: shown when the student's widget is open")
    else:
        lines.append(f"{ticket.channel or 'chat'}: the student sees it by asking for the status")
    lines.append(by_email(ticket, settings, store, send))
    return lines


def answer_ticket(handoffs: HandoffStore, key: str, answer: str, *, by: str, settings: Settings,
                  store: Optional[KnowledgeStore], send: Mailer = mail.send) -> Outcome:
    """Answer ticket ``key`` with ``answer`` and deliver it, once; nothing is stored when it is refused."""
    answer = answer.strip()
    if not answer:
        return Outcome("empty", handoffs.get(key))
    if len(answer) > ANSWER_MAX:
        return Outcome("too_long", handoffs.get(key))
    answered = handoffs.answer(key, answer, by)
    if answered.ticket is None:
        return Outcome("unknown")
    if not answered.won:
        return Outcome("not_open", answered.ticket)
    lines = deliver(answered.ticket, settings, store, send)
    handoffs.record_delivery(answered.ticket, lines)
    return Outcome("answered", handoffs.get(answered.ticket.reference), lines)
