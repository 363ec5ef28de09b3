"""iCalendar (RFC 5545) files for information sessions."""

from __future__ import annotations

import datetime as dt

from bot.knowledge.store import SessionView

PRODID = "-//UMD iSchool//Online programs assistant//EN"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    # Lines longer than 75 octets continue on the next line after a space (RFC 5545, 3.1).
    encoded = line.encode()
    if len(encoded) <= 75:
        return [line]
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return [parts[0]] + [" " + p for p in parts[1:]]


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def session_ics(session: SessionView, now: dt.datetime, domain: str = "ischool.umd.edu") -> str:
    """One VEVENT calendar for ``session``; the page gives no end time, so none is invented."""
    location = f"{session.campus} campus" if session.campus else "Online"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:info-session-{session.uid}@{domain}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(session.starts_at)}",
        f"SUMMARY:{_escape(session.title)}",
        f"LOCATION:{_escape(location)}",
        f"URL:{session.registration_url}",
        f"DESCRIPTION:{_escape('Register: ' + session.registration_url)}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
