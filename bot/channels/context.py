"""What the conversation is about, read from its tracker before a message is parsed.

Rasa's NLU sees one message and nothing of the conversation. The channel knows whose conversation a
message belongs to, so it reads the conversation's focus (the slot the answering actions set: "the field
study") and passes it in the message's metadata; bot/nlu/questions.py reads a short follow-up with it.
A tracker that cannot be read leaves the message without context: it is still answered, out of context.
"""

from __future__ import annotations

import logging
from typing import Any, Dict

from redis.exceptions import RedisError
from sanic.request import Request
from sqlalchemy.exc import SQLAlchemyError

FOCUS_SLOT = "focus"
logger = logging.getLogger(__name__)


async def conversation_context(request: Request, sender_id: str) -> Dict[str, Any]:
    """``{"focus": ...}`` for the conversation ``sender_id``, or ``{}`` when it has none (or is new)."""
    agent = getattr(getattr(getattr(request, "app", None), "ctx", None), "agent", None)  # none outside a server
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return {}
    try:
        tracker = await store.retrieve(sender_id)
    except (SQLAlchemyError, RedisError, OSError):
        logger.warning("The conversation's focus could not be read: the message is read without it")
        return {}
    focus = tracker.get_slot(FOCUS_SLOT) if tracker is not None else None
    return {"focus": focus} if isinstance(focus, str) and focus else {}
