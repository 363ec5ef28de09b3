"""Shared fixtures: an in-memory knowledge store, a fixed clock, tracker and dispatcher helpers."""

from __future__ import annotations

import datetime as dt
import os
import socket
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.config import PROJECT_ROOT, load_settings
from bot.database import make_engine
from bot.knowledge import files
from bot.knowledge.store import KnowledgeStore

KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
MODEL_PATH = Path(os.environ.get("MODEL_PATH", PROJECT_ROOT / "models" / "ischool.tar.gz"))
IN_CI = os.environ.get("CI", "").lower() == "true"
# A fixed "today" for hermetic tests: before every sample session in knowledge/info_sessions.csv.
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)


def fresh_store(url: str = "sqlite://") -> KnowledgeStore:
    """A store with the schema created and the repository's knowledge loaded."""
    store = KnowledgeStore(make_engine(url))
    store.create_schema()
    files.import_directory(store, KNOWLEDGE_DIR)
    return store


@pytest.fixture
def store() -> KnowledgeStore:
    return fresh_store()


@pytest.fixture
def settings():
    return load_settings({})


def tracker(text: str = "", intent: str = "", *, entities: list[dict[str, Any]] | None = None,
            slots: dict[str, Any] | None = None, topic: str | None = None,
            events: list[dict[str, Any]] | None = None, active_loop: str | None = None,
            **parse: Any) -> Tracker:
    """A tracker whose latest message is ``text`` parsed as ``intent`` (and FAQ ``topic``).

    ``events`` are the conversation before it; ``parse`` adds parse data such as ``intent_ranking``.
    """
    message: dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.99},
                               "entities": entities or [], **parse}
    if topic:
        message.setdefault("response_selector", {}).setdefault("faq", {})["response"] = {
            "intent_response_key": f"faq/{topic}"}
    latest = {"event": "user", "text": text, "parse_data": message, "timestamp": NOW.timestamp(),
              "input_channel": "webchat"}
    return Tracker.from_dict({"sender_id": "test", "slots": slots or {}, "latest_message": message,
                              "events": [*(events or []), latest], "paused": False,
                              "latest_input_channel": "webchat",
                              "active_loop": {"name": active_loop} if active_loop else {},
                              "latest_action_name": "action_listen"})


def entity(label: str, value: str) -> dict[str, Any]:
    """An entity as SpacyEntityExtractor reports it."""
    return {"entity": label, "value": value, "extractor": "SpacyEntityExtractor"}


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def reachable(host: str, port: int) -> bool:
    """True when something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip when a service is unreachable locally; fail instead in CI, where it must be there."""
    if reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(message + " (CI=true: the service is required)")
    pytest.skip(message)


def require_model() -> Path:
    """The trained model; fail with the command that makes it when it is missing."""
    if not MODEL_PATH.exists():
        pytest.fail(f"No trained model at {MODEL_PATH}: run `make train` (make test does).")
    return MODEL_PATH


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
