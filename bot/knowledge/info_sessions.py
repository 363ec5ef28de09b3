"""info_sessions.csv: the information sessions for prospective students, one per row."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Iterable
from urllib.parse import urlparse

from bot.knowledge.formats import Problems, digest, read_csv, write_csv
from bot.knowledge.records import InfoSession, Record, Records, of_kind

FILE_NAME = "info_sessions.csv"
KIND = "info_sessions"
RECORDS = (InfoSession,)
# starts_at is ISO 8601 with a UTC offset; an export writes it in UTC.
COLUMNS = ("starts_at", "format", "campus", "title", "registration_url")
FORMATS = ("online", "in-person")


def parse(text: str) -> Records:
    """Validate info_sessions.csv whole; raise KnowledgeError listing every problem."""
    problems = Problems(FILE_NAME)
    items: list[Record] = []
    seen: dict[tuple, int] = {}
    for line, row in read_csv(text, COLUMNS, problems):
        try:
            starts = dt.datetime.fromisoformat(row["starts_at"].replace("Z", "+00:00"))
        except ValueError:
            problems.add(line, "starts_at", f"not an ISO 8601 date and time: {row['starts_at']!r}")
            continue
        if starts.tzinfo is None:
            problems.add(line, "starts_at", "needs a UTC offset, e.g. 2027-03-06T10:00:00-05:00")
            continue
        fmt = row["format"].lower()
        if fmt not in FORMATS:
            problems.add(line, "format", f"must be one of {', '.join(FORMATS)}, got {row['format']!r}")
        if fmt == "in-person" and not row["campus"]:
            problems.add(line, "campus", "is required for an in-person session")
        if not row["title"]:
            problems.add(line, "title", "is required")
        url = urlparse(row["registration_url"])
        if url.scheme not in ("http", "https") or not url.netloc:
            problems.add(line, "registration_url", f"must be an http(s) address, got {row['registration_url']!r}")
        utc = starts.astimezone(dt.timezone.utc)
        key = (utc, fmt, row["campus"].lower())
        if key in seen:
            problems.add(line, "(row)", f"duplicates line {seen[key]}")
        seen[key] = line
        items.append(InfoSession(uid=_uid(utc, fmt, row["campus"]), starts_at=utc, format=fmt, campus=row["campus"],
                                 title=row["title"][:300], registration_url=row["registration_url"]))
    problems.raise_if_any()
    return Records(KIND, RECORDS, tuple(items), sha256=digest(text))


def _uid(starts_at: dt.datetime, fmt: str, campus: str) -> str:
    # The same session keeps its id across re-imports, so calendar links already given out keep working.
    return hashlib.sha256(f"{starts_at.isoformat()}|{fmt}|{campus.lower()}".encode()).hexdigest()[:16]


def dump(records: Iterable[Record]) -> str:
    """info_sessions.csv for ``records``, in the order given, times in UTC with their offset."""
    rows = [[s.starts_at.astimezone(dt.timezone.utc).isoformat() if name == "starts_at" else getattr(s, name)
             for name in COLUMNS] for s in of_kind(records, InfoSession)]
    return write_csv(COLUMNS, rows)
