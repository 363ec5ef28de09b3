"""Settings: every environment variable the application reads, read once by :func:`load_settings`.

Modules take a :class:`Settings` (or the values they need from it) instead of reading ``os.environ``;
README "Configuration" lists the variables. The defaults need no running services.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SLACK_API_URL = "https://slack.com/api/"


@dataclass(frozen=True)
class Settings:
    """Where the knowledge and the tickets live, how stale facts are judged, and the channels' secrets."""

    database_url: str  # KNOWLEDGE_DB_URL
    knowledge_dir: Path  # KNOWLEDGE_DIR
    spacy_model_dir: Path  # SPACY_MODEL_DIR
    stale_after_days: int  # KNOWLEDGE_STALE_DAYS
    timezone: str  # CAMPUS_TIMEZONE
    public_url: str  # PUBLIC_BASE_URL, without a trailing slash
    handoff_db_url: str  # HANDOFF_DB_URL
    handoff_slack_token: str  # HANDOFF_SLACK_TOKEN, else SLACK_BOT_TOKEN
    handoff_slack_channel: str  # HANDOFF_SLACK_CHANNEL
    slack_bot_token: str  # SLACK_BOT_TOKEN
    slack_signing_secret: str  # SLACK_SIGNING_SECRET
    slack_api_url: str  # SLACK_API_URL, with a trailing slash
    webchat_allowed_origins: tuple[str, ...]  # WEBCHAT_ALLOWED_ORIGINS, comma-separated
    webchat_secret: str  # WEBCHAT_SECRET
    action_server_host: str  # ACTION_SERVER_HOST
    action_server_token: str  # ACTION_SERVER_TOKEN
    retention_days: int  # RETENTION_DAYS
    retention_urgent_days: int  # RETENTION_URGENT_DAYS
    urgent_pages_per_minute: int  # URGENT_PAGES_PER_MINUTE
    message_rate_limit: int  # MESSAGE_RATE_LIMIT, messages a minute per client address; 0: no limit
    reports_dir: Path  # REPORTS_DIR
    smtp_url: str = ""  # SMTP_URL: smtp://, smtp+starttls:// or smtps://[user:password@]host[:port]
    email_from: str = ""  # EMAIL_FROM: the address staff answers and reminders are sent from
    email_reply_to: str = ""  # EMAIL_REPLY_TO: where a student's reply to such an email goes
    remind_after_hours: int = 48  # HANDOFF_REMIND_HOURS: open tickets older than this get one staff reminder

    @property
    def email_configured(self) -> bool:
        """True when the assistant may send email: an SMTP server and a sender address."""
        return bool(self.smtp_url and self.email_from)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (the process environment by default); the one reader of it."""
    env = os.environ if environ is None else environ
    var = PROJECT_ROOT / "var"
    slack_bot_token = env.get("SLACK_BOT_TOKEN", "")
    return Settings(
        database_url=env.get("KNOWLEDGE_DB_URL") or f"sqlite:///{var / 'knowledge.db'}",
        knowledge_dir=Path(env.get("KNOWLEDGE_DIR") or PROJECT_ROOT / "knowledge"),
        spacy_model_dir=Path(env.get("SPACY_MODEL_DIR") or PROJECT_ROOT / "build" / "spacy-ischool"),
        stale_after_days=_whole_number(env, "KNOWLEDGE_STALE_DAYS", 180),
        timezone=env.get("CAMPUS_TIMEZONE") or "America/New_York",
        # Where users reach the Rasa server; links to calendar files start with it.
        public_url=(env.get("PUBLIC_BASE_URL") or "http://localhost:5005").rstrip("/"),
        handoff_db_url=env.get("HANDOFF_DB_URL") or f"sqlite:///{var / 'handoffs.db'}",
        # Staff may sit in another workspace than the students' Slack; else the bot's token serves both.
        handoff_slack_token=env.get("HANDOFF_SLACK_TOKEN") or slack_bot_token,
        handoff_slack_channel=env.get("HANDOFF_SLACK_CHANNEL", ""),
        slack_bot_token=slack_bot_token,
        slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
        slack_api_url=(env.get("SLACK_API_URL") or SLACK_API_URL).rstrip("/") + "/",
        webchat_allowed_origins=tuple(o.strip().rstrip("/") for o in env.get("WEBCHAT_ALLOWED_ORIGINS", "").split(",")
                                      if o.strip()),
        # Signs the conversation ids the web chat issues; without it, var/webchat.key (bot.channels.senders).
        webchat_secret=env.get("WEBCHAT_SECRET", ""),
        # The action server runs anything Rasa asks: loopback unless a deployment opens it, with a secret.
        action_server_host=env.get("ACTION_SERVER_HOST") or "127.0.0.1",
        action_server_token=env.get("ACTION_SERVER_TOKEN", ""),
        # Personal data is kept this long after a conversation's last message or a ticket's closing;
        # urgent (crisis) tickets have a window of their own, for follow-up and incident review.
        retention_days=_days(env, "RETENTION_DAYS", 180),
        retention_urgent_days=_days(env, "RETENTION_URGENT_DAYS", 365),
        # Staff answers and reminders go to students by email only with both a server and a sender.
        smtp_url=env.get("SMTP_URL", ""),
        email_from=env.get("EMAIL_FROM", ""),
        email_reply_to=env.get("EMAIL_REPLY_TO") or env.get("EMAIL_FROM", ""),
        # The office's reply_time (contacts.yml) is words for students; this is the same promise in hours.
        remind_after_hours=_days(env, "HANDOFF_REMIND_HOURS", 48),
        # A client can invent conversation ids: urgent staff posts are limited across all of them.
        urgent_pages_per_minute=_whole_number(env, "URGENT_PAGES_PER_MINUTE", 3),
        # Per client address, on the web chat and REST; off (0) behind HAProxy, which limits per address itself.
        message_rate_limit=_whole_number(env, "MESSAGE_RATE_LIMIT", 60),
        # Staff reports quote users: written here by default, and the retention purge deletes old ones.
        reports_dir=Path(env.get("REPORTS_DIR") or var / "reports"),
    )


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name) or str(default)
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {text!r}") from None


def _days(env: Mapping[str, str], name: str, default: int) -> int:
    days = _whole_number(env, name, default)
    if days < 1:  # 0 would make every finished conversation "expired" at once
        raise ValueError(f"{name} must be at least 1 day, not {days}")
    return days
