"""Line templates from the domain, for answers that are lists (sessions, semesters, specializations).

Rasa renders a response once per message; a list of sessions needs one line per item. The lines'
wording lives in ``domain.yml`` beside every other sentence (responses named ``utter_line_…``), read
once from the file here, so the action server does not need Rasa to send the domain with each call.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import PROJECT_ROOT

DOMAIN = PROJECT_ROOT / "domain.yml"


@lru_cache(maxsize=4)
def responses(domain: Path = DOMAIN) -> dict[str, list[dict[str, Any]]]:
    """The domain's responses, read from the file once per process."""
    return yaml.safe_load(domain.read_text())["responses"]


@lru_cache(maxsize=4)
def templates(domain: Path = DOMAIN) -> dict[str, str]:
    """Text of every ``utter_line_…`` response in ``domain``."""
    return {name: variants[0]["text"] for name, variants in responses(domain).items()
            if name.startswith("utter_line_")}


def line(template: str, **values: Any) -> str:
    """One filled line template: ``line("utter_line_semester", semester=1, ...)``."""
    return templates()[template].format(**values)
