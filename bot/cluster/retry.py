"""Riding out a database restart: run a unit of work again while the database cannot be reached.

Used by the Rasa servers' tracker store and by the actions (the knowledge and ticket stores). A
PostgreSQL restart closes every connection and refuses new ones for a few seconds; a unit of work
that failed then wrote nothing (one transaction each), so running it again is safe. Errors that are
not about reaching the database (a bad query, a constraint) are raised at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable, TypeVar

import sqlalchemy as sa

logger = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_PAUSE_SECONDS = 0.2
LONGEST_PAUSE_SECONDS = 2.0


def is_disconnect(error: BaseException) -> bool:
    """Whether ``error`` means the database could not be reached (worth retrying), not a bad query."""
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError)


async def retrying(operation: Callable[[], Awaitable[T]], what: str, window: float) -> T:
    """Run ``operation`` again, with growing pauses, while it fails to reach the database, up to ``window`` s."""
    deadline = time.monotonic() + window
    pause = FIRST_PAUSE_SECONDS
    while True:
        try:
            return await operation()
        except sa.exc.SQLAlchemyError as error:
            if not is_disconnect(error) or time.monotonic() + pause > deadline:
                raise
            logger.warning("Database unreachable (%s); trying %s again in %.1f s", type(error).__name__, what, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
