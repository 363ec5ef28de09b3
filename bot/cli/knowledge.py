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
    p = k.add_parser("drafts", help="staff answers to handed-off questions, grouped by similar question")
    p.set_defaults(handler=_drafts)
    p = k.add_parser("promote", help="make a ticket's answer the answer of a topic in answers.yml, and load it")
    p.add_argument("id", metavar="ID", help="the ticket's reference (H-1A2B3C)")
    p.add_argument("--topic", required=True, help="the topic key in answers.yml (an existing one, or a new one)")
    p.set_defaults(handler=_promote)


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


def _drafts(args: argparse.Namespace, settings: Settings) -> int:
    import yaml

    from bot.handoffs.tickets import open_handoffs
    from bot.staff.drafts import grouped

    groups = grouped(open_handoffs(settings.handoff_db_url).drafts())
    if not groups:
        print("No drafts yet: staff answers to handed-off questions appear here.")
        return 0
    print("# Staff answers to handed-off questions, similar questions together, largest group first.")
    print("# To make one the assistant's answer: python -m bot knowledge promote H-... --topic <topic>")
    print(yaml.safe_dump({"groups": groups}, sort_keys=False, allow_unicode=True, width=100))
    return 0


def _promote(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handoffs.tickets import open_handoffs
    from bot.knowledge.promote import PromoteError, promote

    ticket = open_handoffs(settings.handoff_db_url).get(args.id)
    if ticket is None or not ticket.answer:
        print(f"No answered ticket {args.id}: answer it first (handoffs reply).", file=sys.stderr)
        return 1
    path = settings.knowledge_dir / "answers.yml"
    try:
        done = promote(path, topic=args.topic, answer=ticket.answer, reference=ticket.reference,
                       question=ticket.question, today=dt.date.today())
    except PromoteError as exc:
        print(f"Nothing was changed: {exc}", file=sys.stderr)
        return 2
    try:
        files.import_files(open_store(settings), [path])
    except KnowledgeError as exc:
        print(f"{path} was written but not loaded. Fix these problems and import it:", file=sys.stderr)
        return print_problems(exc.problems)
    print(f"{ticket.reference}'s answer is now the answer of {done.topic} in {path}, and the assistant gives it.")
    if done.new:
        print(f"{done.topic} is a new topic: the assistant recognises questions on it once a developer adds "
              f"data/nlu/faq/{done.topic}.yml and retrains (README: Add an FAQ topic).")
    elif done.was_not_covered:
        print(f"{done.topic} is covered now: a developer moves data/nlu/not_covered/{done.topic}.yml to "
              "data/nlu/faq/ at the next training (it is answered meanwhile).")
    return 0
