"""The REST channel with the web chat's checks: POST /webhooks/rest/webhook {"sender": "...", "message": "..."}.

Rasa's stock ``rest`` channel takes any body size, an optional sender (all such messages share one
conversation) and the client's own ``input_channel`` and ``metadata``. This one answers exactly like it
for a well-formed message and refuses the rest with a 400, 413 or 415 and the reason. It is for servers
and scripts, not browsers: a request from another site's page (an Origin header that is neither the
assistant's own nor in WEBCHAT_ALLOWED_ORIGINS) gets a 403, and there is no CORS permission; the web
page has its own channel. Like the web chat, it counts messages per client address (MESSAGE_RATE_LIMIT).
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Sequence, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import errors, limits, validation
from bot.channels.limits import AddressLimit, shared_limit
from bot.config import Settings, load_settings


class CheckedRestInput(RestInput):
    """REST at /webhooks/rest/webhook, validated; conversation ids are "rest:<sender>"."""

    def __init__(self, allowed_origins: Sequence[str] = (), limit: Optional[AddressLimit] = None) -> None:
        self.allowed_origins = list(allowed_origins)
        self.limit = limit

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]],
                         settings: Optional[Settings] = None) -> CheckedRestInput:
        """The allowed origins and the limit per address, from the settings (read here when not given)."""
        settings = settings or load_settings()
        return cls(settings.webchat_allowed_origins, shared_limit(settings.message_rate_limit))

    @classmethod
    def name(cls) -> Text:
        """The URL prefix /webhooks/rest/, as the stock channel's."""
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = Blueprint("checked_rest", __name__)

        @rest.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not validation.origin_allowed(request, self.allowed_origins):
                return response.json({"error": "this site may not use the assistant"}, status=403)
            return await validation.respond(request, on_new_message, self.name(), limit=self.limit)

        errors.install(rest)

        limits.bound_request_size(rest)
        return rest
