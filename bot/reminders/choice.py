"""Which listed information session a student means: by campus, format, place in the list or date.

"The Shady Grove one", "the online one", "the first one", "the April 17 one", or the only one listed.

The words read here are ways of pointing at a list (ordinals, month names), not answers: what the student
is told is worded in ``domain.yml``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.knowledge.records import InfoSession

ORDINALS = {"first": 0, "1st": 0, "earliest": 0, "soonest": 0, "next": 0, "second": 1, "2nd": 1, "third": 2,
            "3rd": 2, "fourth": 3, "4th": 3, "fifth": 4, "5th": 4, "last": -1, "latest": -1, "final": -1}
MONTHS = {name: number for number, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
     ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
     ("dec", "december")], start=1) for name in names}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(?:the\s+)?{_DAY}\b", re.IGNORECASE)
DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?({_MONTH})\b", re.IGNORECASE)
NUMERIC = re.compile(r"\b(\d{1,2})/(\d{1,2})\b")
MONTH_ONLY = re.compile(rf"\b(?:in|during)\s+({_MONTH})\b", re.IGNORECASE)
WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Choice:
    """The session meant (None when it is not clear) and the sessions it could still be."""

    session: InfoSession | None
    candidates: tuple[InfoSession, ...]


def ordinal(text: str) -> int | None:
    """The list position "the first one", "the 2nd", "the last one" points at (0-based, -1 for the last)."""
    return next((ORDINALS[w] for w in WORD.findall(text.lower()) if w in ORDINALS), None)


def named_date(text: str) -> tuple[int, int | None] | None:
    """(month, day) of "April 17", "17th of April", "4/17"; (month, None) of "the one in April"."""
    if found := MONTH_DAY.search(text):
        return MONTHS[found.group(1).lower()], int(found.group(2))
    if found := DAY_MONTH.search(text):
        return MONTHS[found.group(2).lower()], int(found.group(1))
    if (found := NUMERIC.search(text)) and 1 <= int(found.group(1)) <= 12:
        return int(found.group(1)), int(found.group(2))
    if found := MONTH_ONLY.search(text):
        return MONTHS[found.group(1).lower()], None
    return None


def choose(listed: list[InfoSession], text: str, *, campus: str | None, format: str | None,
           zone: ZoneInfo) -> Choice:
    """The session of ``listed`` (in the order shown) that the message names, or the ones it could be."""
    candidates = list(listed)
    if campus:
        candidates = [s for s in candidates if s.campus.lower() == campus.lower()]
    if format:
        candidates = [s for s in candidates if s.format == format]
    date = named_date(text)
    if date:
        month, day = date
        candidates = [s for s in candidates if _local(s, zone).month == month
                      and (day is None or _local(s, zone).day == day)]
    position = ordinal(text)
    if position is not None and candidates:
        if position < len(candidates):
            return Choice(candidates[position], (candidates[position],))
        return Choice(None, tuple(candidates))
    return Choice(candidates[0] if len(candidates) == 1 else None, tuple(candidates))


def _local(session: InfoSession, zone: ZoneInfo) -> dt.date:
    return session.starts_at.astimezone(zone).date()
