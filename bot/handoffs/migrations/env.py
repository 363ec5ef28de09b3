"""Alembic's entry point for the ticket database's history (alembic.ini, section ``handoffs``)."""

from bot.database import run_migrations
from bot.handoffs.tickets import HandoffBase
from bot.reminders import store as _reminders  # noqa: F401 - its table is in this history

run_migrations(HandoffBase.metadata, lambda settings: settings.handoff_db_url)
