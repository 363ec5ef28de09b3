"""``python -m bot knowledge``: manage the facts the assistant answers from."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from bot.cli.common import print_problems, safe_url
from bot.config import Settings
from bot.database import make_engine
from bot.knowledge import files
from bot.knowledge.formats import KnowledgeError, Problem
from bot.knowledge.store import KnowledgeStore, open_store


def register(commands: argparse._SubParsersAction) -> None:
    """Add this group's commands."""
    knowledge = commands.add_parser("knowledge", help="manage the facts the assistant answers from")
    k = knowledge.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = k.add_parser("init", help="create the database and load the repository's knowledge files")
    p.add_argument("--reset", action="store_true", help="reload even when the database already has data")
    p.set_defaults(handler=_init)
    p = k.add_parser("import", help="validate knowledge files and replace their tables atomically")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="files named after what they hold: " + ", ".join(files.LOAD_ORDER))
    p.set_defaults(handler=_import)
    p = k.add_parser("check", help="validate the knowledge files without loading them")
    p.add_argument("--dir", help="folder to check (default: the repository's knowledge/)")
    p.set_defaults(handler=_check)
    p = k.add_parser("export", help="write the current knowledge back to files in the same formats")
    p.add_argument("dir", metavar="DIR", help="folder to write into (created if missing)")
    p.set_defaults(handler=_export)
    p = k.add_parser("stale", help="list facts not reviewed recently and sessions already past")
    p.add_argument("--days", type=int, help="review window in days (default: KNOWLEDGE_STALE_DAYS or 180)")
    p.add_argument("--strict", action="store_true", help="exit 1 when anything is stale")
    p.set_defaults(handler=_stale)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    paths = [Path(p) for p in args.paths]
    try:
        kinds = files.import_files(store, paths)
    except KnowledgeError as exc:
        print("Nothing was changed. Fix these problems and import again:", file=sys.stderr)
        return print_problems(exc.problems)
    print(f"Imported {', '.join(kinds)} into {safe_url(settings.database_url)}.")
    return 0


def _init(args: argparse.Namespace, settings: Settings) -> int:
    store = KnowledgeStore(make_engine(settings.database_url))
    if args.reset:
        store.reset_schema()
    else:
        store.create_schema()
    if not args.reset and not store.is_empty():
        print(f"Knowledge database already loaded: {safe_url(settings.database_url)} (use --reset to reload).")
        return 0
    try:
        kinds = files.import_directory(store, settings.knowledge_dir)
    except KnowledgeError as exc:
        return print_problems(exc.problems)
    print(f"Loaded {', '.join(kinds)} from {settings.knowledge_dir} into {safe_url(settings.database_url)}.")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    directory = Path(args.dir) if args.dir else settings.knowledge_dir
    missing = [Problem(name, 0, "(file)", f"missing from {directory}")
               for name in files.LOAD_ORDER if not (directory / name).exists()]
    parsed, problems = files.validate([directory / n for n in files.LOAD_ORDER if (directory / n).exists()], set())
    if missing or problems:
        print_problems(missing + problems)
        print(f"{len(missing + problems)} problem(s) in {directory}.", file=sys.stderr)
        return 1
    print(f"All {len(parsed)} knowledge files in {directory} are valid.")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    written = files.export(open_store(settings), Path(args.dir))
    print(f"Wrote {len(written)} files to {args.dir}: {', '.join(p.name for p in written)}")
    return 0


def _stale(args: argparse.Namespace, settings: Settings) -> int:
    days = args.days if args.days is not None else settings.stale_after_days
    facts = open_store(settings).stale(dt.datetime.now(dt.timezone.utc), days)
    if not facts:
        print(f"Nothing stale: every fact was reviewed within {days} days and no listed session is past.")
        return 0
    print(f"{len(facts)} item(s) to review (window: {days} days):")
    for fact in facts:
        print(f"  {fact.kind:<13} {fact.key}: {fact.detail}")
    return 1 if args.strict else 0
