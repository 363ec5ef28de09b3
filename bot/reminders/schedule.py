"""When a reminder is sent: the day before the session, in the morning, in the student's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The morning of the day before: early enough to plan the evening, late enough not to wake anyone.
SEND_HOUR = 9


def zone_of(student_zone: str | None, campus_zone: str) -> ZoneInfo:
    """The student's time zone when known and valid, else the campus's."""
    if student_zone:
        try:
            return ZoneInfo(student_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # a slot from an older version, or junk: the campus's time is still right for the campus
    return ZoneInfo(campus_zone)


def send_time(starts_at: dt.datetime, zone: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """9:00 on the day before the session in ``zone`` (in UTC); ``now`` when that has already gone by."""
    day_before = starts_at.astimezone(zone).date() - dt.timedelta(days=1)
    planned = dt.datetime.combine(day_before, dt.time(SEND_HOUR), tzinfo=zone).astimezone(dt.timezone.utc)
    return max(planned, now.astimezone(dt.timezone.utc))
