"""Reading Rasa parse data (a message's NLU result) the same way everywhere."""

from __future__ import annotations

import re
from typing import Any

RETRIEVAL_INTENT = "faq"
# The catch-all topic for questions the page does not answer: its "title" is the word "that" ("I don't have
# information about that"), so it is never offered as a "did you mean" choice.
CATCH_ALL_TOPIC = "not_covered"
# A button that asks one FAQ topic ("did you mean", starter suggestions) sends "/faq/<topic>". Rasa's own
# payload parser only knows the domain's intents ("faq"), so the NLU reads these (bot/nlu/topic_gate.py).
TOPIC_PAYLOAD = re.compile(r"/faq/([a-z_]{1,64})")


def full_label(parse: dict[str, Any]) -> str:
    """'faq/credits' for the retrieval intent, else the intent's name ('' when there is none).

    A button payload such as ``/faq/credits`` already arrives with the full name as its intent.
    """
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent != RETRIEVAL_INTENT:
        return intent
    selected = parse.get("response_selector", {}).get(RETRIEVAL_INTENT, {}).get("response", {})
    return selected.get("intent_response_key") or intent


def faq_topic(parse: dict[str, Any]) -> str | None:
    """The FAQ topic ('credits'), or None when the message is not an FAQ question."""
    label = full_label(parse)
    prefix = RETRIEVAL_INTENT + "/"
    return label[len(prefix):] if label.startswith(prefix) else None


_THE_OTHER = re.compile(r"\b(?:the|that)\s+other(?:\s+(?:one|program(?:me)?|degree|master'?s)\b|\s*(?:[?.!]|$))",
                        re.IGNORECASE)


def means_the_other(text: str) -> bool:
    """Whether ``text`` points at the other program ("what about the other program's specializations")."""
    return bool(_THE_OTHER.search(text or ""))
