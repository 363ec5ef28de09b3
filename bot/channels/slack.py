"""Slack: Rasa's Slack connector, hardened for a real channel.

On top of ``rasa.core.channels.slack.SlackInput`` this channel
- takes the bot token and signing secret from the settings (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET;
  credentials.yml may override), and answers 503 instead of crashing the server when Slack is not configured;
- sends the Web API calls to the settings' SLACK_API_URL (the tests point it at a local fake Slack API);
- answers each question once, in its thread, even when Slack retries or delivers both the
  ``app_mention`` and the ``message`` event for one post;
- unwraps Slack's link markup (<mailto:a@b.edu|a@b.edu>, <https://x.org|x.org>, <https://x.org>);
- writes the assistant's labelled links ("[Register](https://...)") as Slack links (<https://...|Register>);
- answers URL verification with the challenge, after checking the signature (missing, wrong or
  older than five minutes: 400, nothing processed).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import errors, limits, payloads, validation
from bot.channels.context import conversation_context
from bot.config import Settings, load_settings
from bot.handoffs.staff_thread import StaffThread
from bot.text import printable

logger = logging.getLogger(__name__)

LINK = re.compile(r"<((?:mailto:|https?://)[^|>]+)(?:\|([^>]*))?>")
LABELLED_LINK = re.compile(r"\[([^\]\n]{1,80})\]\((https?://[^\s<>()|]+)\)")
SEEN_TTL_SECONDS = 600
SEEN_MAX = 10_000


def slack_links(text: str) -> str:
    """The assistant's labelled links in Slack's markup: [Register](https://x) -> <https://x|Register>."""
    return LABELLED_LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)


class SlackOutput(SlackBot):
    """Rasa's Slack output, with labelled links written the way Slack shows them."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, slack_links(text), **kwargs)


class SlackChannel(SlackInput):
    """Slack Events API and Interactivity endpoint at /webhooks/slack/webhook."""

    def __init__(self, *args: Any, api_url: Optional[str] = None, staff_thread: Optional[StaffThread] = None,
                 **kwargs: Any) -> None:
        self.api_url = api_url
        self.staff_thread = staff_thread  # the staff channel's replies and buttons, when there is one
        self._seen: OrderedDict[tuple, float] = OrderedDict()
        super().__init__(*args, **kwargs)

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]],
                         settings: Optional[Settings] = None) -> InputChannel:
        """Token and signing secret from credentials.yml, else from the settings (read here when not given)."""
        credentials = credentials or {}
        settings = settings or load_settings()
        api_url = credentials.get("slack_api_url") or settings.slack_api_url
        if not api_url.endswith("/"):
            api_url += "/"
        return cls(
            credentials.get("slack_token") or settings.slack_bot_token,
            credentials.get("slack_channel"),
            credentials.get("proxy"),
            credentials.get("slack_retry_reason_header", "x-slack-retry-reason"),
            credentials.get("slack_retry_number_header", "x-slack-retry-num"),
            credentials.get("errors_ignore_retry", None),
            credentials.get("use_threads", True),
            credentials.get("slack_signing_secret") or settings.slack_signing_secret,
            credentials.get("conversation_granularity", "thread"),
            api_url=api_url,
            staff_thread=StaffThread(settings) if settings.handoff_slack_channel else None,
        )

    @property
    def configured(self) -> bool:
        """True when both the bot token and the signing secret are set."""
        return bool(self.slack_token and self.slack_signing_secret)

    def _validate_credentials(self) -> None:
        # Rasa raises here; an unconfigured Slack should not stop the web and REST channels.
        if not self.configured:
            logger.warning("Slack is not configured (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET): "
                           "/webhooks/slack/webhook answers 503.")

    @staticmethod
    def _sanitize_user_message(text: Text, uids_to_remove: Optional[List[Text]]) -> Text:
        """Drop mentions of the bot and unwrap link markup to what the user typed."""
        for uid in uids_to_remove or []:
            text = re.sub(rf"\s*<@{re.escape(str(uid))}>\s*", " ", text)

        def unwrap(match: re.Match) -> str:
            target, label = match.group(1), match.group(2)
            return label or target.removeprefix("mailto:")

        return " ".join(LINK.sub(unwrap, text).split())

    def _get_conversation_id(self, sender_id: Optional[Text], channel_id: Optional[Text] = None,
                             thread_id: Optional[Text] = None) -> Optional[Text]:
        """Rasa's id (user, channel, thread), namespaced so no other channel can name a Slack conversation."""
        conversation = super()._get_conversation_id(sender_id, channel_id, thread_id)
        return f"slack:{conversation}" if conversation else conversation

    def get_output_channel(self, channel: Optional[Text] = None,
                           thread_id: Optional[Text] = None) -> OutputChannel:
        """Rasa's Slack output, pointed at the configured Slack Web API."""
        bot = SlackOutput(self.slack_token, channel or self.slack_channel, thread_id, self.proxy)
        if self.api_url:
            bot.client.base_url = self.api_url
        return bot

    def _first_delivery(self, key: tuple) -> bool:
        """True the first time ``key`` is seen within the TTL (Slack retries, mention + message)."""
        now = time.monotonic()
        while self._seen and next(iter(self._seen.values())) < now - SEEN_TTL_SECONDS:
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        if len(self._seen) > SEEN_MAX:
            self._seen.popitem(last=False)
        return True

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The events and interactivity endpoint."""
        slack = Blueprint("slack_webhook", __name__)

        @slack.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.configured else "not configured"})

        @slack.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.configured:
                return response.json({"error": "Slack is not configured on this server"},
                                     status=HTTPStatus.SERVICE_UNAVAILABLE)
            if not self.is_request_from_slack_authentic(request):
                return response.text("Missing, invalid or stale Slack signature.", status=HTTPStatus.UNAUTHORIZED)
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
            if content_type == "application/json":
                return await self._event(request, on_new_message)
            if content_type == "application/x-www-form-urlencoded":
                return await self._interaction(request, on_new_message)
            return response.text("Unsupported content type.", status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE)

        errors.install(slack)
        limits.bound_request_size(slack)
        return slack

    async def _event(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        payload = validation.load_json(request.body)
        if payload is None:
            return response.text("Body is not JSON.", status=HTTPStatus.BAD_REQUEST)
        if not _is_event(payload):
            return response.text("Not a Slack event.", status=HTTPStatus.BAD_REQUEST)
        if payload.get("type") == "url_verification":
            return response.json({"challenge": payload.get("challenge", "")})
        if self.staff_thread is not None and self.staff_thread.is_staff_event(payload.get("event") or {}):
            return await self._staff(self.staff_thread.on_event, payload)
        if not self._is_user_message(payload) or not payload["event"].get("user"):
            return response.text("Not a user message; ignored.")
        metadata = _event_metadata(payload)
        if not self._is_supported_channel(payload, metadata):
            return response.text("Channel not supported; ignored.")
        event = payload["event"]
        if not self._first_delivery((event.get("channel"), event.get("ts"))):
            return response.text("Already answered.", headers={"X-Slack-No-Retry": "1"})
        sender = self._get_conversation_id(event["user"], metadata["out_channel"], metadata["thread_id"])
        # Typed text never skips the NLU: a leading "/" is not an intent payload here (buttons come below).
        text = payloads.checked(printable(self._sanitize_user_message(event["text"], metadata["users"])),
                                from_button=False)
        metadata["context"] = await conversation_context(request, sender)
        return await self.process_message(request, on_new_message, text=text, sender_id=sender, metadata=metadata)

    async def _staff(self, handle: Callable[[Dict[str, Any]], str], payload: Dict[str, Any]) -> HTTPResponse:
        """A staff-channel event or button, handled in a worker thread (it calls Slack and the databases)."""
        event = payload.get("event") or {}
        if event and not self._first_delivery((event.get("channel"), event.get("ts"))):
            return response.text("Already handled.", headers={"X-Slack-No-Retry": "1"})
        done = await asyncio.get_running_loop().run_in_executor(None, handle, payload)
        return response.text(done)

    async def _interaction(self, request: Request,
                           on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            payload = validation.load_json(request.form["payload"][0])
        except (KeyError, IndexError):
            payload = None
        if payload is None:
            return response.text("Missing interaction payload.", status=HTTPStatus.BAD_REQUEST)
        if not _is_interaction(payload):
            return response.text("Not a Slack interaction.", status=HTTPStatus.BAD_REQUEST)
        if self.staff_thread is not None and self.staff_thread.is_staff_action(payload):
            return await self._staff(self.staff_thread.on_action, payload)
        if not self._is_interactive_message(payload):
            return response.text("Interaction not supported; ignored.")
        try:
            text = self._get_interactive_response(payload["actions"][0])
        except (AttributeError, IndexError, TypeError):  # e.g. "selected_options": [] or "selected_option": "x"
            return response.text("Not a Slack interaction.", status=HTTPStatus.BAD_REQUEST)
        if text is None:
            return response.text("Link button; nothing to do.")
        if not validation.is_text(text):
            return response.text("Not a Slack interaction.", status=HTTPStatus.BAD_REQUEST)
        text = payloads.checked(text)
        if not self._first_delivery(("action", payload.get("trigger_id") or payload.get("action_ts"))):
            return response.text("Already answered.")
        metadata = _interaction_metadata(payload)
        sender = self._get_conversation_id(payload["user"]["id"], metadata["out_channel"], metadata["thread_id"])
        metadata["context"] = await conversation_context(request, sender)
        return await self.process_message(request, on_new_message, text, sender, metadata)


# Rasa's Slack connector reads these fields assuming Slack's types; a signed body with other types (only a
# leaked signing secret or a Slack bug can send one) used to end in a 500 instead of a 400.
EVENT_FIELDS = ("type", "text", "user", "channel", "channel_type", "ts", "thread_ts", "bot_id", "subtype",
                "parent_user_id")
# Slack's ids and timestamps are a few dozen characters and its messages at most 40,000: anything longer
# (a signed body from a leaked secret) would become a conversation id or a stored message of any size.
SLACK_ID_MAX = 64
SLACK_TEXT_MAX = 40_000


def _strings(value: Any, names: tuple[str, ...]) -> bool:
    """``value`` is an object whose fields ``names``, where present, are text (or null) of Slack's sizes."""
    return isinstance(value, dict) and all(value.get(n) is None or _sized_text(value[n], n) for n in names)


def _sized_text(value: Any, name: str) -> bool:
    return validation.is_text(value) and len(value) <= (SLACK_TEXT_MAX if name == "text" else SLACK_ID_MAX)


def _is_event(payload: Any) -> bool:
    """A JSON body shaped like a Slack Events API request (the fields this channel reads)."""
    if not _strings(payload, ("type",)):
        return False
    event = payload.get("event")
    authorizations, authed_users = payload.get("authorizations") or [], payload.get("authed_users") or []
    return ((event is None or _strings(event, EVENT_FIELDS))
            and isinstance(authorizations, list) and all(_strings(a, ("user_id",)) for a in authorizations)
            and isinstance(authed_users, list) and all(_sized_text(u, "user") for u in authed_users))


def _event_metadata(payload: Dict[str, Any]) -> Dict[str, Any]:
    """Rasa's metadata of an event (where to answer, which users are the bot), from the checked payload.

    Rasa's ``get_metadata`` reads the body again and knows only the content type "application/json" exactly.
    """
    event = payload.get("event") or {}
    users = payload.get("authed_users") or [a.get("user_id") for a in payload.get("authorizations") or []][:1]
    return {"out_channel": event.get("channel"), "thread_id": event.get("thread_ts") or event.get("ts"),
            "users": users}


def _is_interaction(payload: Any) -> bool:
    """A JSON payload shaped like a Slack interaction (block actions) request."""
    actions = payload.get("actions") if isinstance(payload, dict) else None
    return (_strings(payload, ("trigger_id", "action_ts"))
            and isinstance(actions, list) and all(_strings(a, ("type",)) for a in actions)
            and _strings(payload.get("user"), ("id",)) and _sized_text(payload["user"].get("id"), "id")
            and _strings(payload.get("channel") or {}, ("id",)) and _strings(payload.get("message") or {},
                                                                           ("ts", "thread_ts")))


def _interaction_metadata(payload: Dict[str, Any]) -> Dict[str, Any]:
    """Rasa's metadata of an interaction, from the checked payload."""
    message = payload.get("message") or {}
    return {"out_channel": (payload.get("channel") or {}).get("id"),
            "thread_id": message.get("thread_ts") or message.get("ts"), "users": [payload["user"]["id"]]}
