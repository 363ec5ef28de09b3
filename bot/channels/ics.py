"""iCalendar (RFC 5545) files for information sessions, written with the ``icalendar`` library."""

from __future__ import annotations

import datetime as dt

import icalendar

from bot.knowledge.records import InfoSession

PRODID = "-//UMD iSchool//Online programs assistant//EN"


def session_ics(session: InfoSession, now: dt.datetime, domain: str = "ischool.umd.edu") -> str:
    """One VEVENT calendar for ``session``; the page gives no end time, so none is invented."""
    event = icalendar.Event()
    event.add("uid", f"info-session-{session.uid}@{domain}")
    event.add("dtstamp", _utc(now))
    event.add("dtstart", _utc(session.starts_at))
    event.add("summary", session.title)
    event.add("location", f"{session.campus} campus" if session.campus else "Online")
    event.add("url", session.registration_url)
    event.add("description", f"Register: {session.registration_url}")

    calendar = icalendar.Calendar()
    for name, value in (("prodid", PRODID), ("version", "2.0"), ("calscale", "GREGORIAN"), ("method", "PUBLISH")):
        calendar.add(name, value)
    calendar.add_component(event)
    # The library escapes text values and folds lines longer than 75 octets.
    return calendar.to_ical().decode()


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc)
