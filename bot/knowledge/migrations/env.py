"""Alembic's entry point for the knowledge database's history (alembic.ini, section ``knowledge``)."""

from bot.database import run_migrations
from bot.knowledge.tables import Base

run_migrations(Base.metadata, lambda settings: settings.database_url)
