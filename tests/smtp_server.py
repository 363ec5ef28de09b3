"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives, for tests to read."""

from __future__ import annotations

import email
import email.policy
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.conftest import free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    """``with SmtpServer() as smtp:`` serves on ``smtp.url``; ``smtp.messages`` holds (recipients, message)."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = free_port()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.url = f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        """Every message received so far, oldest first."""
        return list(self.inbox.messages)

    def wait_for(self, count: int, timeout: float = 20) -> list[tuple[list[str], EmailMessage]]:
        """Wait until ``count`` messages arrived, then a moment more for any extra one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.inbox.messages) < count:
            time.sleep(0.1)
        time.sleep(1)
        return self.messages

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()
