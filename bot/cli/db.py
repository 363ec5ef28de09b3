"""``python -m bot db``: the schema migrations of the knowledge and ticket databases.

The stores bring their database up to date when they open; these commands show where each database
stands, apply the migrations ahead of a start, and write a new migration after a change to the tables.
"""

from __future__ import annotations

import argparse

from bot.cli.common import safe_url
from bot.config import Settings
from bot.handoffs import tickets
from bot.knowledge import store
from bot.knowledge.migrations import History, Status

HISTORIES = {history.name: history for history in (store.SCHEMA, tickets.SCHEMA)}


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
    p = d.add_parser("revision", help="write the migration for a change to the tables, to review and commit")
    p.add_argument("database", choices=sorted(HISTORIES), help="whose tables changed")
    p.add_argument("-m", "--message", required=True, help="what the change does, in one sentence")
    p.set_defaults(handler=_revision)


def _databases(settings: Settings) -> list[tuple[History, str]]:
    return [(store.SCHEMA, settings.database_url), (tickets.SCHEMA, settings.handoff_db_url)]


def _current(args: argparse.Namespace, settings: Settings) -> int:
    for history, url in _databases(settings):
        engine = store.make_engine(url)
        try:
            status = history.status(engine)
        finally:
            engine.dispose()
        print(f"{history.name} database {safe_url(url)}: {_state(status, history.head)}")
        for script in status.pending:
            print(f"  to apply: {script.revision} {script.doc}")
    return 0


def _state(status: Status, head: str) -> str:
    if status.revision is None:
        return "no tables yet"
    where = f"at {status.revision}"
    if not status.versioned:
        where += " by its tables (made before migrations; the upgrade records it)"
    return where + (" (head)" if status.revision == head else f", head is {head}")


def _upgrade(args: argparse.Namespace, settings: Settings) -> int:
    for history, url in _databases(settings):
        engine = store.make_engine(url)
        try:
            before, after = history.upgrade(engine)
        finally:
            engine.dispose()
        change = f"already at {after}" if before == after else f"upgraded from {before or 'nothing'} to {after}"
        print(f"{history.name} database {safe_url(url)}: {change}")
    return 0


def _history(args: argparse.Namespace, settings: Settings) -> int:
    for history in HISTORIES.values():
        print(f"{history.name} database (revision kept in {history.version_table}):")
        for script in history.revisions():
            print(f"  {script.revision}  {script.doc}{'  (head)' if script.revision == history.head else ''}")
    return 0


def _revision(args: argparse.Namespace, settings: Settings) -> int:
    script = HISTORIES[args.database].new_revision(args.message)
    if script is None:
        print(f"The {args.database} tables match the newest migration: nothing to write.")
        return 0
    print(f"Wrote {script.path}. Review it (rows already stored need the new columns' defaults; SQLite alters "
          "tables in batch mode), then commit it with the change to the tables.")
    return 0
