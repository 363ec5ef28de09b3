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

import json
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

from bot.channels import payloads
from bot.config import Settings, load_settings

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

    def __init__(self, *args: Any, api_url: Optional[str] = None, **kwargs: Any) -> None:
        self.api_url = api_url
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
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
            if content_type == "application/json":
                return await self._event(request, on_new_message)
            if content_type == "application/x-www-form-urlencoded":
                return await self._interaction(request, on_new_message)
            return response.text("Unsupported content type.", status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE)

        return slack

    async def _event(self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            payload = json.loads(request.body)
        except ValueError:
            return response.text("Body is not JSON.", status=HTTPStatus.BAD_REQUEST)
        if payload.get("type") == "url_verification":
            return response.json({"challenge": payload.get("challenge", "")})
        if not self._is_user_message(payload):
            return response.text("Not a user message; ignored.")
        metadata = self.get_metadata(request)
        if not self._is_supported_channel(payload, metadata):
            return response.text("Channel not supported; ignored.")
        event = payload["event"]
        if not self._first_delivery((event.get("channel"), event.get("ts"))):
            return response.text("Already answered.", headers={"X-Slack-No-Retry": "1"})
        sender = self._get_conversation_id(event.get("user"), metadata.get("out_channel"), metadata.get("thread_id"))
        # Typed text never skips the NLU: a leading "/" is not an intent payload here (buttons come below).
        text = payloads.checked(self._sanitize_user_message(event.get("text", ""), metadata.get("users")),
                                from_button=False)
        return await self.process_message(request, on_new_message, text=text, sender_id=sender, metadata=metadata)

    async def _interaction(self, request: Request,
                           on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            payload = json.loads(request.form["payload"][0])
        except (KeyError, IndexError, ValueError):
            return response.text("Missing interaction payload.", status=HTTPStatus.BAD_REQUEST)
        if not self._is_interactive_message(payload):
            return response.text("Interaction not supported; ignored.")
        text = self._get_interactive_response(payload["actions"][0])
        if text is None:
            return response.text("Link button; nothing to do.")
        text = payloads.checked(text)
        if not self._first_delivery(("action", payload.get("trigger_id") or payload.get("action_ts"))):
            return response.text("Already answered.")
        metadata = self.get_metadata(request)
        sender = self._get_conversation_id(payload["user"]["id"], metadata.get("out_channel"),
                                           metadata.get("thread_id"))
        return await self.process_message(request, on_new_message, text, sender, metadata)
