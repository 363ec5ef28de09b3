"""Which ``/intent`` payloads a channel passes on, and typed text that only looks like one.

Rasa treats any message starting with "/" as an intent payload and skips the NLU: a user typing
``/crisis`` would page staff with an urgent ticket, ``/affirm`` would answer a question never asked.
Buttons are the only legitimate source of payloads, so a channel passes a payload on only when it is
one the assistant's buttons send (read from the domain's responses, plus "did you mean" topics and the
widget's starter suggestions); anything else has its leading slashes removed and goes through the NLU
like any other text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.conversation import wording
from bot.conversation.parse import TOPIC_PAYLOAD


@lru_cache(maxsize=4)
def button_payloads(domain: Path = wording.DOMAIN) -> frozenset[str]:
    """Every payload a button in the domain's responses sends (Rasa's ``{{`` escapes undone)."""
    return frozenset(button["payload"].replace("{{", "{").replace("}}", "}")
                     for variants in wording.responses(domain).values() for variant in variants
                     for button in variant.get("buttons", []))


def checked(text: str, *, from_button: bool = True) -> str:
    """``text`` as the channel should pass it on: a known button payload as it is, else as plain text."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    if from_button and (stripped in button_payloads() or TOPIC_PAYLOAD.fullmatch(stripped)):
        return stripped
    return stripped.lstrip("/").strip()
