"""What the conversation is about, read from its tracker before a message is parsed.

Rasa's NLU sees one message and nothing of the conversation. The channel knows whose conversation a
message belongs to, so it reads the conversation's focus (the slot the answering actions set: "the field
study") and passes it in the message's metadata; bot/nlu/questions.py reads a short follow-up with it.
A tracker that cannot be read leaves the message without context: it is still answered, out of context.

On an SQL tracker store (the default and the cluster's) only the latest event that sets or clears the slot
is read, with one indexed query, instead of the whole conversation (which Rasa reads again for the turn).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Dict, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from redis.exceptions import RedisError
from sanic.request import Request
from sqlalchemy.exc import SQLAlchemyError

FOCUS_SLOT = "focus"
# Events after which a conversation's slots start empty.
CLEARING = ("session_started", "restart", "reset_slots")
logger = logging.getLogger(__name__)


async def conversation_context(request: Request, sender_id: str) -> Dict[str, Any]:
    """``{"focus": ...}`` for the conversation ``sender_id``, or ``{}`` when it has none (or is new)."""
    agent = getattr(getattr(getattr(request, "app", None), "ctx", None), "agent", None)  # none outside a server
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return {}
    sql = getattr(store, "_tracker_store", store)  # Rasa wraps the configured store
    try:
        if isinstance(sql, SQLTrackerStore):
            expiry = getattr(getattr(agent.domain, "session_config", None), "session_expiration_time", 0) or 0
            focus = latest_focus(sql, sender_id, expiry * 60)
        else:
            tracker = await store.retrieve(sender_id)
            focus = tracker.get_slot(FOCUS_SLOT) if tracker is not None else None
    except (SQLAlchemyError, RedisError, OSError):
        logger.warning("The conversation's focus could not be read: the message is read without it")
        return {}
    return {"focus": focus} if isinstance(focus, str) and focus else {}


def latest_focus(store: SQLTrackerStore, sender_id: str, expiry_seconds: float = 0) -> Optional[str]:
    """The focus slot's value from the latest event that set it or cleared every slot; None for neither.

    A value older than the session's expiry is gone too: the turn starts a new session without it.
    """
    event = store.SQLEvent
    query = (sa.select(event.type_name, event.timestamp, event.data)
             .where(event.sender_id == sender_id)
             .where(sa.or_(sa.and_(event.type_name == "slot", event.action_name == FOCUS_SLOT),
                           event.type_name.in_(CLEARING)))
             .order_by(event.id.desc()).limit(1))
    with store.session_scope() as session:
        row = session.execute(query).first()
    if row is None or row.type_name != "slot":
        return None
    if expiry_seconds and (row.timestamp or 0) < time.time() - expiry_seconds:
        return None
    value = json.loads(row.data).get("value")
    return value if isinstance(value, str) else None
