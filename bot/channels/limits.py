"""Messages a minute per client address, for the single-server run (behind HAProxy its stick table does this).

A client can invent a new conversation id for every message, so limits per conversation do not bound it;
its address it cannot choose as freely. The window is a fixed minute per address, kept in memory: a few
dozen bytes per address seen in the last minute, forgotten after it.
"""

from __future__ import annotations

import functools
import time
from typing import Any, Callable

from sanic import Blueprint, Sanic


class AddressLimit:
    """At most ``per_minute`` messages from one address in a minute; 0 means no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._minute = -1
        self._counts: dict[str, int] = {}

    def allow(self, address: str) -> bool:
        """Count one message from ``address``; False when it is over the limit of this minute."""
        if self.per_minute <= 0:
            return True
        minute = int(self.clock() // 60)
        if minute != self._minute:  # a new minute: every address starts again (and the old ones are forgotten)
            self._minute, self._counts = minute, {}
        self._counts[address] = self._counts.get(address, 0) + 1
        return self._counts[address] <= self.per_minute

    def retry_after(self) -> int:
        """Seconds until the next minute starts."""
        return max(1, 60 - int(self.clock() % 60))


@functools.lru_cache(maxsize=4)
def shared_limit(per_minute: int) -> AddressLimit:
    """One limit for the process: the web chat and REST count an address's messages together."""
    return AddressLimit(per_minute)


# Sanic reads a whole body before a handler sees it, up to REQUEST_MAX_SIZE (100 MB by default, also when the
# body is chunked and announces no length). Every channel lowers it for the Rasa server: a larger body is
# refused with a 413 as soon as this much of it has arrived. Slack's events are far smaller; the message
# endpoints refuse more than 64 KB themselves.
SERVER_MAX_BODY = 1_000_000


def bound_request_size(blueprint: Blueprint) -> None:
    """Make the server ``blueprint`` is registered on refuse bodies over SERVER_MAX_BODY while reading them."""

    @blueprint.listener("before_server_start")
    async def request_size(app: Sanic, _: Any) -> None:
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, SERVER_MAX_BODY)
