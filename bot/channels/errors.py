"""Sanic's own error pages (404, 405, 413, ...) for clients whose Accept header Sanic cannot read.

Sanic 21.12 reads the Accept header to choose an HTML, JSON or text error page. A malformed one (a DEL
character, "a", "text/html;q=2") raises while the page is being rendered, and the client gets "An error occurred
while handling an error" with a 500 instead of the 404 or 405 it earned. The Rasa server's app is Rasa's,
not ours, so each of our channels installs the remedy on it when the server starts: such a header counts
as no Accept header at all.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Sanic
from sanic.exceptions import InvalidHeader, SanicException
from sanic.headers import AcceptContainer, parse_accept
from sanic.request import Request


def install(blueprint: Blueprint) -> None:
    """Make the app ``blueprint`` is registered on survive unreadable Accept headers in its error pages."""

    @blueprint.listener("before_server_start")
    async def error_pages(app: Sanic, _: Any) -> None:
        readable_error_pages(app)


def readable_error_pages(app: Sanic) -> None:
    """Sanic's error pages for ``app``, rendered as if no Accept header was sent when it cannot be read."""
    app.error_handler.add(SanicException, _without_unreadable_accept)


def _without_unreadable_accept(request: Request, _: SanicException) -> None:
    try:
        parse_accept(request.headers.getone("accept", ""))
    except (InvalidHeader, ValueError, TypeError):  # "a", "text/html;q=x", "text/html;value=1"
        request.parsed_accept = AcceptContainer()
    # None: Sanic renders its own page, now from a header it can read.
