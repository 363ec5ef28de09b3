"""``python -m bot db``: the schema migrations of the knowledge and ticket databases.

The stores bring their database up to date when they open; these commands show where each database
stands and apply the migrations ahead of a start. A new migration is written with Alembic itself
(``alembic --name knowledge revision --autogenerate``; see alembic.ini).
"""

from __future__ import annotations

import argparse
from typing import Iterator

from sqlalchemy.engine import Engine

from bot.cli.common import safe_url
from bot.config import Settings
from bot.database import Migrations, make_engine
from bot.handoffs import tickets
from bot.knowledge import store


def register(commands: argparse._SubParsersAction) -> None:
    """Add this group's commands."""
    db = commands.add_parser("db", help="schema migrations of the knowledge and ticket databases")
    d = db.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = d.add_parser("current", help="each database's schema revision and the migrations it still needs")
    p.set_defaults(handler=_current)
    p = d.add_parser("upgrade", help="apply the pending migrations now (the assistant also does on start)")
    p.set_defaults(handler=_upgrade)
    p = d.add_parser("history", help="every migration of both databases, oldest first")
    p.set_defaults(handler=_history)


HISTORIES = (store.SCHEMA, tickets.SCHEMA)


def _databases(settings: Settings) -> Iterator[tuple[Migrations, str, Engine]]:
    """Each history with its database's URL and an engine, disposed of when the loop moves on."""
    for history, url in zip(HISTORIES, (settings.database_url, settings.handoff_db_url)):
        engine = make_engine(url)
        try:
            yield history, url, engine
        finally:
            engine.dispose()


def _current(args: argparse.Namespace, settings: Settings) -> int:
    for history, url, engine in _databases(settings):
        revision, pending = history.pending(engine)
        state = "not migrated yet" if revision is None else f"at {revision}"
        state += " (head)" if revision == history.head else f", head is {history.head}"
        print(f"{history.name} database {safe_url(url)}: {state}")
        for script in pending:
            print(f"  to apply: {script.revision} {script.doc}")
    return 0


def _upgrade(args: argparse.Namespace, settings: Settings) -> int:
    for history, url, engine in _databases(settings):
        before, after = history.upgrade(engine)
        change = f"already at {after}" if before == after else f"upgraded from {before or 'nothing'} to {after}"
        print(f"{history.name} database {safe_url(url)}: {change}")
    return 0


def _history(args: argparse.Namespace, settings: Settings) -> int:
    for history in HISTORIES:
        print(f"{history.name} database (revision kept in {history.version_table}):")
        for script in reversed(list(history.script.walk_revisions())):
            print(f"  {script.revision}  {script.doc}{'  (head)' if script.revision == history.head else ''}")
    return 0
