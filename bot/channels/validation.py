"""What every message endpoint (web chat, REST) checks before a message reaches the assistant."""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence, Union

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot import rasa_speedups
from bot.channels import payloads
from bot.channels.context import conversation_context
from bot.channels.limits import AddressLimit
from bot.text import printable

# Every channel answers through this module, which Rasa loads (credentials.yml) before it serves: two per-turn
# costs of Rasa that give the same result every time are paid once from here on (bot/rasa_speedups.py).
rasa_speedups.install()

logger = logging.getLogger(__name__)

MAX_MESSAGE = 2000
MAX_SENDER = 128
# After the channel prefix: letters, digits, "_" and "-" (a UUID, a hex id); no newline to forge a log line.
SENDER = re.compile(r"[A-Za-z0-9_-]{8,128}")
MAX_BODY_BYTES = 64_000  # a message of MAX_MESSAGE characters in JSON, with room to spare
CANNOT_ANSWER = "utter_cannot_answer_now"
# What a student types into the handoff form is personal (a name, an email or phone, a question that may tell
# of a crisis). Replies that repeat it are marked "private", and the form's questions "private_reply" (the next
# message answers one): the web widget shows both but keeps neither in the browser (bot/web/widget.js).
PRIVATE = frozenset({"utter_ask_handoff_confirmed", "utter_handoff_submitted", "utter_handoff_submitted_no_contact",
                     "utter_invalid_not_email", "utter_invalid_not_phone", "utter_invalid_not_contact"})
ASKS_PRIVATE = frozenset({"utter_ask_handoff_name", "utter_ask_handoff_contact", "utter_ask_handoff_question"})
UNAVAILABLE = ("the assistant could not answer just now; please send your message again in a moment, or call the "
               "Student Services Office")


RESPONSE_NAME = "utter_action"  # the key under which Rasa sends the name of the response a message came from


class MarkingCollector(CollectingOutputChannel):
    """Collects a turn's replies, marking those that hold or ask for the handoff form's personal fields."""

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Send as Rasa does, then mark what was sent by the response it came from (``utter_action``)."""
        response_name = message.get(RESPONSE_NAME)
        sent = len(self.messages)
        await super().send_response(recipient_id, message)
        for reply in self.messages[sent:]:
            if response_name in PRIVATE:
                reply["private"] = True
            if response_name in ASKS_PRIVATE:
                reply["private_reply"] = True


def problem(payload: Any) -> Optional[str]:
    """Why a message body is refused, or None."""
    if not isinstance(payload, dict):
        return 'send JSON like {"sender": "...", "message": "..."}'
    sender, message = payload.get("sender"), payload.get("message")
    if not is_text(sender) or not SENDER.fullmatch(sender):
        return f"sender must be an id of 8 to {MAX_SENDER} letters, digits, '_' or '-'"
    if not is_text(message) or not message.strip():
        return "message must be non-empty text"
    if len(message) > MAX_MESSAGE:
        return f"message is longer than {MAX_MESSAGE} characters"
    return None


def is_text(value: Any) -> bool:
    """True for a string that is valid Unicode.

    A JSON escape for half a surrogate pair decodes to a lone surrogate, which no database, log or reply can encode.
    """
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def load_json(body: Union[str, bytes, None]) -> Any:
    """The JSON value of ``body``, or None when it is not JSON.

    Nesting deeper than the parser's recursion limit (10,000 brackets fit in 20 KB) raises RecursionError,
    not ValueError: it is not JSON we can read either.
    """
    try:
        return json.loads(body or b"null")
    except (ValueError, RecursionError):
        return None


def is_json(request: Request) -> bool:
    """Whether the body is declared as JSON: a form or ``text/plain`` post needs no CORS preflight, JSON does."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json"


def origin_allowed(request: Request, allowed: Sequence[str]) -> bool:
    """No Origin header (not a browser's cross-site request), the server's own origin, or an allowed one."""
    origin = request.headers.get("origin", "")
    return not origin or origin.rstrip("/") in allowed or same_origin(request, origin)


def same_origin(request: Request, origin: str) -> bool:
    """Whether ``origin`` is the host the request was sent to (the demo page on the assistant's own server)."""
    return origin.split("://", 1)[-1].rstrip("/") == request.headers.get("host", "")


def client_address(request: Request) -> str:
    """The address a request came from (a forwarded one only where Sanic is told to trust the proxy)."""
    return request.remote_addr or request.ip or "?"


async def respond(request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]], channel: str,
                  headers: Optional[Dict[str, str]] = None, limit: Optional[AddressLimit] = None,
                  genuine: Optional[Callable[[str], bool]] = None) -> HTTPResponse:
    """Check a ``{"sender", "message"}`` body, pass the message on and answer with the bot's replies.

    The conversation id is namespaced by channel (``<channel>:<sender>``: no client can name another
    channel's conversation), the input channel is this endpoint's, client metadata is dropped, and only
    the assistant's own button payloads skip the NLU. With ``genuine``, only sender ids it accepts (ids the
    server issued) may talk.
    """
    if len(request.body or b"") > MAX_BODY_BYTES:
        return response.json({"error": f"the request is larger than {MAX_BODY_BYTES} bytes"}, status=413,
                             headers=headers)
    if not is_json(request):
        return response.json({"error": "send the message as JSON, with Content-Type: application/json"},
                             status=415, headers=headers)
    if limit is not None and not limit.allow(client_address(request)):
        return too_many(limit, headers)
    payload = load_json(request.body)
    reason = problem(payload)
    if reason is None and genuine is not None and not genuine(payload["sender"]):
        return not_issued(headers)
    message = payloads.checked(printable(payload["message"])) if reason is None else ""
    if reason is None and not message.strip():  # nothing left once control and format characters are gone
        reason = "message must be non-empty text"
    if reason:
        return response.json({"error": reason}, status=400, headers=headers)
    collector = MarkingCollector()
    sender = f"{channel}:{payload['sender']}"
    try:
        context = await conversation_context(request, sender)
        await on_new_message(UserMessage(message, collector, sender, input_channel=channel,
                                         metadata={"context": context} if context else None))
    except Exception:  # noqa: BLE001 - whatever failed (a store gone for longer than its retries), say so
        # Rasa's stock REST channel answers 200 with whatever was said so far (often nothing): the student
        # cannot tell an unanswered message from an answer. Nothing of the turn was stored (Rasa saves a
        # conversation at the end of a turn), so sending the message again is safe.
        logger.exception("A %s message could not be answered", channel)
        return response.json({"error": UNAVAILABLE}, status=503, headers={**(headers or {}), "Retry-After": "10"})
    if not collector.messages:  # the action server is down (Rasa then says nothing): apologise, give the phone
        logger.warning("A %s turn said nothing; the student gets %s", channel, CANNOT_ANSWER)
        return response.json([{"recipient_id": sender, "text": cannot_answer(request)}], headers=headers)
    return response.json(collector.messages, headers=headers)


def too_many(limit: AddressLimit, headers: Optional[Dict[str, str]]) -> HTTPResponse:
    """429 with the seconds until the address may send again."""
    return response.json({"error": "too many messages from this address; wait a minute"}, status=429,
                         headers={**(headers or {}), "Retry-After": str(limit.retry_after())})


def not_issued(headers: Optional[Dict[str, str]]) -> HTTPResponse:
    """403 for a conversation id the server did not issue: the client asks for a new one and sends again."""
    return response.json({"error": "this conversation was not started here; start a new one",
                          "new_conversation": True}, status=403, headers=headers)


def cannot_answer(request: Request) -> str:
    """The domain's apology for a turn that said nothing, with the Student Services Office's phone.

    The crisis numbers do not depend on this: they are a static response the rules utter before any action.
    """
    from bot.conversation.advising import contact_values
    from bot.knowledge.store import default_store

    agent = getattr(getattr(request.app, "ctx", None), "agent", None)
    templates = agent.domain.responses.get(CANNOT_ANSWER) if agent is not None and agent.domain else None
    try:
        office = contact_values(default_store())
    except SQLAlchemyError:  # the knowledge database is down too: the office by name
        office = contact_values(None)
    if not templates:
        return UNAVAILABLE
    return str(templates[0]["text"]).format(**office)
