"""Email to students: plain-text messages built with the standard library's ``email.message``, sent by SMTP.

Headers are set through ``EmailMessage`` and ``Address`` objects, never by formatting strings: a name or
address holding a line break is refused by the library instead of adding a header, so nothing a student
typed can inject one.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from bot.config import Settings

logger = logging.getLogger(__name__)
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
# RFC 5322 allows 998 characters on a line; the library folds headers and encodes long body lines itself.
SUBJECT_MAX = 200


class MailError(Exception):
    """A message that could not be built or sent; its text says why, for the ticket or the operator."""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (a calendar file)."""

    filename: str
    content: bytes
    maintype: str
    subtype: str


def message(settings: Settings, *, to: str, to_name: str, subject: str, body: str,
            attachments: tuple[Attachment, ...] = ()) -> EmailMessage:
    """A plain-text message from the settings' sender, with their reply-to, to one student."""
    msg = EmailMessage()
    try:
        msg["From"] = Address(addr_spec=settings.email_from)
        msg["To"] = Address(display_name=" ".join(to_name.split()), addr_spec=to)
        if settings.email_reply_to:
            msg["Reply-To"] = Address(addr_spec=settings.email_reply_to)
        msg["Subject"] = " ".join(subject.split())[:SUBJECT_MAX]
    except (ValueError, IndexError) as exc:  # a line break or an unparsable address
        raise MailError(f"address refused: {exc}") from None
    msg["Message-ID"] = make_msgid(domain=settings.email_from.rpartition("@")[2] or None)
    msg.set_content(body)
    for item in attachments:
        msg.add_attachment(item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename)
    return msg


def send(settings: Settings, msg: EmailMessage, timeout: float = 15) -> None:
    """Send ``msg`` through the SMTP server of ``settings.smtp_url``; MailError says why it failed."""
    if not settings.email_configured:
        raise MailError("email not configured (SMTP_URL and EMAIL_FROM)")
    url = urlsplit(settings.smtp_url)
    if url.scheme not in DEFAULT_PORTS or not url.hostname:
        raise MailError("SMTP_URL must be smtp://, smtp+starttls:// or smtps://host[:port]")
    port = url.port or DEFAULT_PORTS[url.scheme]
    try:
        if url.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(url.hostname, port, timeout=timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(url.hostname, port, timeout=timeout)
        with client:
            if url.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("Could not send email through %s:%s: %s", url.hostname, port, type(exc).__name__)
        raise MailError(f"the mail server refused or could not be reached ({type(exc).__name__})") from None
