"""Conversation ids the web chat issues itself: a random id and its signature.

A client that chooses its own id can continue someone else's conversation by guessing it, and read the
staff replies to that conversation's tickets. The widget therefore asks ``POST /webhooks/webchat/session``
for an id, and every later message or reply poll must carry an id this server (or one with the same secret)
signed: ``<32 hex: random>-<32 hex: HMAC-SHA256 of the random part>``, 65 characters of the sender pattern.
The secret is ``WEBCHAT_SECRET``; without it one is created in ``var/webchat.key`` on first use (replicas
behind a load balancer share the variable).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from bot.config import PROJECT_ROOT, Settings

KEY_FILE = PROJECT_ROOT / "var" / "webchat.key"


class Senders:
    """Issues signed conversation ids and recognises them."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the web chat's secret must be at least 16 bytes")
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings, key_file: Path = KEY_FILE) -> Senders:
        """The secret of ``WEBCHAT_SECRET``, else of ``key_file`` (created with a new random secret if missing)."""
        if settings.webchat_secret:
            return cls(settings.webchat_secret.encode())
        return cls(_file_key(key_file))

    def issue(self) -> str:
        """A new conversation id."""
        ident = secrets.token_hex(16)
        return f"{ident}-{self._sign(ident)}"

    def genuine(self, sender: str) -> bool:
        """Whether ``sender`` is an id this secret signed."""
        ident, _, signature = sender.rpartition("-")
        return bool(ident) and hmac.compare_digest(signature.encode(), self._sign(ident).encode())

    def _sign(self, ident: str) -> str:
        return hmac.new(self._key, ident.encode(), hashlib.sha256).hexdigest()[:32]


def _file_key(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:  # exclusive: two servers starting together keep the first one's secret
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return bytes.fromhex(key)
