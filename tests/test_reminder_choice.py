"""Which listed session a message names, and when its reminder goes out: pure functions, table-driven."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.knowledge.records import InfoSession
from bot.reminders import choice, schedule

EASTERN = ZoneInfo("America/New_York")
UTC = dt.timezone.utc


def session(uid: str, when: str, fmt: str = "online", campus: str = "") -> InfoSession:
    return InfoSession(uid=uid, starts_at=dt.datetime.fromisoformat(when), format=fmt, campus=campus, title=uid,
                       registration_url="https://example.edu")


LISTED = [session("dec-online", "2026-12-03T23:00:00+00:00"), session("jan-online", "2027-01-20T23:00:00+00:00"),
          session("mar-cp", "2027-03-06T15:00:00+00:00", "in-person", "College Park"),
          session("apr-sg", "2027-04-17T14:00:00+00:00", "in-person", "Shady Grove")]


@pytest.mark.parametrize(("text", "campus", "fmt", "chosen", "candidates"), [
    ("the shady grove one", "Shady Grove", None, "apr-sg", 1),
    ("the first one", None, None, "dec-online", 1),
    ("the 2nd", None, None, "jan-online", 1),
    ("the last one", None, None, "apr-sg", 1),
    ("the second in-person one", None, "in-person", "apr-sg", 1),
    ("the March 6 one", None, None, "mar-cp", 1),
    ("the one on 6th of march", None, None, "mar-cp", 1),
    ("the one on 1/20", None, None, "jan-online", 1),
    ("the one in December", None, None, "dec-online", 1),
    ("the online one", None, "online", None, 2),  # two fit: asked back
    ("remind me", None, None, None, 4),
    ("the fifth one", None, None, None, 4),  # past the end of the list
    ("the one on August 2", None, None, None, 0),
    ("the college park one in april", "College Park", None, None, 0),
])
def test_the_session_a_message_names(text, campus, fmt, chosen, candidates) -> None:
    found = choice.choose(LISTED, text, campus=campus, format=fmt, zone=EASTERN)
    assert (found.session.uid if found.session else None, len(found.candidates)) == (chosen, candidates)


def test_the_only_session_listed_needs_no_naming() -> None:
    assert choice.choose(LISTED[:1], "remind me please", campus=None, format=None, zone=EASTERN).session == LISTED[0]


def test_a_date_is_read_in_the_time_zone_the_list_was_shown_in() -> None:
    late = [session("late", "2027-01-21T03:00:00+00:00")]  # Jan 20, 10 PM in New York; Jan 21 in UTC
    assert choice.choose(late, "the jan 20 one", campus=None, format=None, zone=EASTERN).session == late[0]
    assert choice.choose(late, "the jan 20 one", campus=None, format=None, zone=ZoneInfo("UTC")).session is None


@pytest.mark.parametrize(("starts", "zone", "now", "expected"), [
    ("2027-04-17T14:00:00+00:00", "America/New_York", "2026-11-27T12:00:00+00:00", "2027-04-16T13:00:00+00:00"),
    ("2027-03-14T18:00:00+00:00", "America/New_York", "2026-11-27T12:00:00+00:00", "2027-03-13T14:00:00+00:00"),
    ("2027-04-17T14:00:00+00:00", "Europe/Berlin", "2026-11-27T12:00:00+00:00", "2027-04-16T07:00:00+00:00"),
    ("2026-12-03T23:00:00+00:00", "America/New_York", "2026-12-03T01:00:00+00:00", "2026-12-03T01:00:00+00:00"),
])
def test_the_reminder_goes_out_at_nine_the_day_before_or_at_once(starts, zone, now, expected) -> None:
    sent = schedule.send_time(dt.datetime.fromisoformat(starts), ZoneInfo(zone), dt.datetime.fromisoformat(now))
    assert sent == dt.datetime.fromisoformat(expected)


@pytest.mark.parametrize(("student", "expected"), [
    ("America/Chicago", "America/Chicago"), (None, "America/New_York"), ("Not/A_Zone", "America/New_York"),
    ("", "America/New_York")])
def test_the_student_s_zone_when_known_else_the_campus_s(student, expected) -> None:
    assert schedule.zone_of(student, "America/New_York").key == expected
