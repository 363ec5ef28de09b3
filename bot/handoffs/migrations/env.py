"""Alembic's entry point for the ticket database's history; the connection comes from the caller."""

from bot.knowledge.migrations import run_migrations

run_migrations()
