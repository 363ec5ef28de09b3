"""The REST channel with the web chat's checks: POST /webhooks/rest/webhook {"sender": "...", "message": "..."}.

Rasa's stock ``rest`` channel takes any body size, an optional sender (all such messages share one
conversation) and the client's own ``input_channel`` and ``metadata``. This one answers exactly like it
for a well-formed message and refuses the rest with a 400 or 413 and the reason.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import errors, validation


class CheckedRestInput(RestInput):
    """REST at /webhooks/rest/webhook, validated; conversation ids are "rest:<sender>"."""

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
            return await validation.respond(request, on_new_message, self.name())

        errors.install(rest)
        return rest
