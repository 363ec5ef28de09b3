"""The web chat channel: the REST message format, plus the demo page and the widget it serves.

Under /webhooks/webchat/ the Rasa server answers:
  GET  /            the demo page (the programs' page with the widget on it)
  GET  /widget.js   the widget script any site embeds with one <script> tag
  GET  /widget.css  its stylesheet
  POST /session     -> {"sender": "..."}: a new conversation id, signed (bot.channels.senders); the others
                    refuse an id this server did not issue (403, "new_conversation": true)
  POST /webhook     {"sender": "...", "message": "..."} -> [{"text": ..., "buttons": [...]}]
  POST /replies     {"sender": "..."} -> {"replies": [{"id": "H-1A2B3C", "text": "Reply from the ..."}]}: staff
                    answers to this conversation's tickets, which the widget asks for while it is open
CORS for the message endpoint is limited to the origins in the settings (WEBCHAT_ALLOWED_ORIGINS, comma-separated).
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.channels import errors, limits, validation
from bot.channels.limits import AddressLimit, shared_limit
from bot.channels.senders import Senders
from bot.config import Settings, load_settings

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STATIC = {"": ("index.html", "text/html; charset=utf-8"),
          "widget.js": ("widget.js", "application/javascript; charset=utf-8"),
          "widget.css": ("widget.css", "text/css; charset=utf-8")}


class WebchatInput(RestInput):
    """REST-compatible channel for the web widget."""

    def __init__(self, allowed_origins: Optional[list[str]] = None, limit: Optional[AddressLimit] = None,
                 replies: Optional[Callable[[str], list[dict[str, str]]]] = None,
                 senders: Optional[Senders] = None) -> None:
        # Without the configured secret, ids this instance issues are good for its lifetime only.
        self.senders = senders or Senders(secrets.token_bytes(32))
        self.allowed_origins = allowed_origins or []
        self.replies = replies  # conversation id -> staff answers to its tickets
        self.limit = limit

    @classmethod
    def name(cls) -> Text:
        """The URL prefix: /webhooks/webchat/."""
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]],
                         settings: Optional[Settings] = None) -> WebchatInput:
        """Origins from credentials.yml (``allowed_origins``), else from the settings (read here when not given)."""
        settings = settings or load_settings()
        configured = (credentials or {}).get("allowed_origins") or settings.webchat_allowed_origins
        if isinstance(configured, str):
            configured = [o.strip() for o in configured.split(",")]
        return cls([o.rstrip("/") for o in configured if o], replies=staff_replies(settings),
                   limit=shared_limit(settings.message_rate_limit), senders=Senders.from_settings(settings))

    def _cors(self, request: Request) -> Dict[str, str]:
        origin = request.headers.get("origin", "")
        if origin and origin.rstrip("/") in self.allowed_origins:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                    "Access-Control-Allow-Methods": "POST, OPTIONS",
                    "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"}
        return {"Vary": "Origin"}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes for the page, the widget files and the message endpoint."""
        webchat = Blueprint("webchat_webhook", __name__)

        async def static(_: Request, name: str) -> HTTPResponse:
            filename, content_type = STATIC[name]
            body = (WEB_DIR / filename).read_bytes()
            return response.raw(body, content_type=content_type, headers={"Cache-Control": "no-cache"})

        @webchat.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            return await static(request, "")

        @webchat.route("/widget.js", methods=["GET"])
        async def widget_script(request: Request) -> HTTPResponse:
            return await static(request, "widget.js")

        @webchat.route("/widget.css", methods=["GET"])
        async def widget_style(request: Request) -> HTTPResponse:
            return await static(request, "widget.css")

        @webchat.route("/webhook", methods=["OPTIONS"])
        @webchat.route("/replies", methods=["OPTIONS"], name="replies_preflight")
        @webchat.route("/session", methods=["OPTIONS"], name="session_preflight")
        async def preflight(request: Request) -> HTTPResponse:
            headers = self._cors(request)
            return response.empty(status=204 if "Access-Control-Allow-Origin" in headers else 403, headers=headers)

        @webchat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            headers = self._cors(request)
            if not validation.origin_allowed(request, self.allowed_origins):
                return response.json({"error": "this site may not use the assistant"}, status=403, headers=headers)
            return await validation.respond(request, on_new_message, self.name(), headers, self.limit,
                                            genuine=self.senders.genuine)

        @webchat.route("/session", methods=["POST"])
        async def session(request: Request) -> HTTPResponse:
            headers = self._cors(request)
            if not validation.origin_allowed(request, self.allowed_origins):
                return response.json({"error": "this site may not use the assistant"}, status=403, headers=headers)
            if self.limit is not None and not self.limit.allow(validation.client_address(request)):
                return validation.too_many(self.limit, headers)
            return response.json({"sender": self.senders.issue()}, headers={**headers, "Cache-Control": "no-store"})

        @webchat.route("/replies", methods=["POST"])
        async def replies(request: Request) -> HTTPResponse:
            headers = self._cors(request)
            if not validation.origin_allowed(request, self.allowed_origins):
                return response.json({"error": "this site may not use the assistant"}, status=403, headers=headers)
            payload = validation.load_json(request.body if len(request.body or b"") <= 1000 else b"")
            sender = payload.get("sender") if isinstance(payload, dict) else None
            if not validation.is_text(sender) or not 8 <= len(sender) <= validation.MAX_SENDER:
                return response.json({"error": f"send JSON like {{\"sender\": \"...\"}} with the conversation's "
                                      f"sender id (8 to {validation.MAX_SENDER} characters)"},
                                     status=400, headers=headers)
            if not self.senders.genuine(sender):
                return validation.not_issued(headers)
            if self.replies is None:
                return response.json({"replies": []}, headers=headers)
            found = await asyncio.get_running_loop().run_in_executor(None, self.replies, f"{self.name()}:{sender}")
            return response.json({"replies": found}, headers=headers)

        errors.install(webchat)

        limits.bound_request_size(webchat)
        return webchat


def staff_replies(settings: Settings) -> Callable[[str], list[dict[str, str]]]:
    """Staff answers to a conversation's tickets, read from the ticket database of ``settings``."""

    def replies(conversation: str) -> list[dict[str, str]]:
        from bot.handoffs.delivery import web_replies
        from bot.handoffs.tickets import default_handoffs
        from bot.knowledge.store import default_store

        try:
            store = default_store()
        except SQLAlchemyError:
            store = None  # the reply still shows, naming the office
        return web_replies(default_handoffs(settings.handoff_db_url), store, conversation)

    return replies

