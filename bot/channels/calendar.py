"""A Rasa input channel that serves each information session as an .ics calendar file.

Listed in credentials.yml, it makes the Rasa server answer
``GET /webhooks/calendar/sessions/<uid>.ics`` from the knowledge store, so the links in the
assistant's answers work wherever the assistant runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import errors, limits
from bot.channels.ics import session_ics
from bot.knowledge.store import default_store


class CalendarChannel(InputChannel):
    """Serves calendar files; it receives no chat messages."""

    @classmethod
    def name(cls) -> Text:
        """The URL prefix: /webhooks/calendar/."""
        return "calendar"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> CalendarChannel:
        """No credentials are needed."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes for the calendar files."""
        calendar = Blueprint("calendar_webhook", __name__)

        @calendar.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @calendar.route("/sessions/<filename>", methods=["GET"])
        async def session_file(_: Request, filename: str) -> HTTPResponse:
            uid = filename.removesuffix(".ics")
            found = default_store().info_session(uid) if filename.endswith(".ics") and uid.isalnum() else None
            if found is None:
                return response.text("No such information session. It may have been rescheduled: ask the "
                                     "assistant for the current schedule.", status=404)
            body = session_ics(found, dt.datetime.now(dt.timezone.utc))
            return response.raw(body.encode(), content_type="text/calendar; charset=utf-8",
                                headers={"Content-Disposition": f'attachment; filename="info-session-{uid}.ics"'})

        errors.install(calendar)

        limits.bound_request_size(calendar)
        return calendar
