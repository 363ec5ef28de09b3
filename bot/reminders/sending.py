"""``python -m bot reminders send``: email every reminder that is due, once, with the session's .ics attached.

Each due reminder is claimed first (``ReminderStore.claim``); only the claimant builds and sends the email,
so two senders running at once never send one twice. The session is read again from the knowledge store:
one taken off the schedule (or moved, which gives it a new id) is not announced, and one already started
is marked missed. A mail server that refuses or cannot be reached puts the reminder back to be tried on the
next run, up to ``ATTEMPTS_MAX`` times in all. The wording is in ``domain.yml``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from bot.channels.ics import session_ics
from bot.config import Settings
from bot.conversation import advising
from bot.conversation.wording import line
from bot.handoffs import mail
from bot.handoffs.delivery import Mailer, text
from bot.handoffs.tickets import as_utc
from bot.knowledge.records import InfoSession
from bot.knowledge.store import KnowledgeStore
from bot.reminders.schedule import zone_of
from bot.reminders.store import ATTEMPTS_MAX, Reminder, ReminderStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    """What became of one due reminder: ``status`` is sent, missed, failed, pending (to retry) or taken."""

    reminder_id: int
    status: str
    detail: str = ""


def session_values(session: InfoSession, zone_name: str, settings: Settings, store: KnowledgeStore) -> dict[str, str]:
    """What the reminder responses say about a session: its title, time in the student's zone, place, links."""
    zone = zone_of(zone_name, settings.timezone)
    where = (line("utter_line_campus", campus=session.campus) if session.campus
             else line("utter_line_online"))
    return {**advising.contact_values(store), "title": session.title, "where": where,
            "when": advising.format_time(session.starts_at, zone), "register_url": session.registration_url,
            "calendar_url": f"{settings.public_url}/webhooks/calendar/sessions/{session.uid}.ics"}


def reminder_email(reminder: Reminder, session: InfoSession, settings: Settings, store: KnowledgeStore,
                   now: dt.datetime) -> mail.EmailMessage:
    """The reminder: plain text from the domain's wording, the session's calendar file attached."""
    values = session_values(session, reminder.timezone, settings, store)
    calendar = mail.Attachment(filename=f"info-session-{session.uid}.ics",
                               content=session_ics(session, now).encode(), maintype="text", subtype="calendar")
    return mail.message(settings, to=reminder.email, to_name="",
                        subject=text("utter_reminder_email_subject", **values),
                        body=text("utter_reminder_email", **values), attachments=(calendar,))


def send_due(reminders: ReminderStore, store: KnowledgeStore, settings: Settings, now: dt.datetime,
             send: Mailer = mail.send) -> list[Sent]:
    """Send every reminder due at ``now`` that this caller claims; what became of each."""
    results = []
    for reminder in reminders.due(now):
        if not reminders.claim(reminder):
            results.append(Sent(reminder.id, "taken", "another sender has it"))
            continue
        results.append(_send_one(reminders, reminder, store, settings, now, send))
    return results


def _send_one(reminders: ReminderStore, reminder: Reminder, store: KnowledgeStore, settings: Settings,
              now: dt.datetime, send: Mailer) -> Sent:
    session = store.info_session(reminder.session_uid)
    if session is None:
        reminders.finish(reminder, "missed", now, "the session is no longer on the schedule")
        return Sent(reminder.id, "missed", "the session is no longer on the schedule")
    if as_utc(session.starts_at) <= as_utc(now):
        reminders.finish(reminder, "missed", now, "the session had started before the reminder was sent")
        return Sent(reminder.id, "missed", "the session had already started")
    try:
        send(settings, reminder_email(reminder, session, settings, store, now))
    except mail.MailError as exc:
        status = "failed" if reminder.attempts + 1 >= ATTEMPTS_MAX else "pending"
        reminders.finish(reminder, status, now, str(exc))
        logger.warning("Reminder %s not sent (attempt %s): %s", reminder.id, reminder.attempts + 1, exc)
        return Sent(reminder.id, status, str(exc))
    reminders.finish(reminder, "sent", now)
    return Sent(reminder.id, "sent", reminder.email)
