"""Command line for staff and developers: ``python -m bot --help``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from bot import loader
from bot.config import Settings, load_settings
from bot.store import KnowledgeStore, make_engine, open_store


def _import(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    paths = [Path(p) for p in args.paths]
    try:
        kinds = store.load(paths)
    except loader.KnowledgeError as exc:
        print("Nothing was changed. Fix these problems and import again:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Imported {', '.join(kinds)} into {_safe_url(settings.database_url)}.")
    return 0


def _init(args: argparse.Namespace, settings: Settings) -> int:
    store = KnowledgeStore(make_engine(settings.database_url))
    store.create_schema()
    if not args.reset and not store.is_empty():
        print(f"Knowledge database already loaded: {_safe_url(settings.database_url)} (use --reset to reload).")
        return 0
    try:
        kinds = store.load_directory(settings.knowledge_dir)
    except loader.KnowledgeError as exc:
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"Loaded {', '.join(kinds)} from {settings.knowledge_dir} into {_safe_url(settings.database_url)}.")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    directory = Path(args.dir) if args.dir else settings.knowledge_dir
    parsed: dict[str, loader.Parsed] = {}
    problems: list[loader.Problem] = []
    for name in loader.LOAD_ORDER:
        path = directory / name
        if not path.exists():
            problems.append(loader.Problem(name, 0, "(file)", f"missing from {directory}"))
            continue
        try:
            parsed[name] = loader.parse_file(path)
        except loader.KnowledgeError as exc:
            problems += exc.problems
    if "programs.yml" in parsed:
        codes = {row["code"] for row in parsed["programs.yml"].rows[loader.models.Program]}
        problems += loader.check_references({p.kind: p for p in parsed.values()}, codes)
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {directory}.", file=sys.stderr)
        return 1
    print(f"All {len(parsed)} knowledge files in {directory} are valid.")
    return 0


def _nlp_build(args: argparse.Namespace, settings: Settings) -> int:
    from bot import nlp  # spaCy (and the TensorFlow it probes for) load only for this command

    store = open_store(settings)
    out = Path(args.out) if args.out else settings.spacy_model_dir
    built = nlp.build_to_disk(store.synonyms(), out, force=args.force)
    print(f"spaCy pipeline {'built' if built else 'up to date'}: {out}")
    return 0


def _safe_url(url: str) -> str:
    # Never print a password from a database URL.
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command and its help."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Advising assistant tools for staff.")
    commands = parser.add_subparsers(dest="area", required=True, metavar="{knowledge,nlp}")

    knowledge = commands.add_parser("knowledge", help="manage the facts the assistant answers from")
    k = knowledge.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = k.add_parser("init", help="create the database and load the repository's knowledge files")
    p.add_argument("--reset", action="store_true", help="reload even when the database already has data")
    p.set_defaults(handler=_init)
    p = k.add_parser("import", help="validate knowledge files and replace their tables atomically")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="files named after what they hold: " + ", ".join(loader.PARSERS))
    p.set_defaults(handler=_import)
    p = k.add_parser("check", help="validate the knowledge files without loading them")
    p.add_argument("--dir", help="folder to check (default: the repository's knowledge/)")
    p.set_defaults(handler=_check)

    nlp_parser = commands.add_parser("nlp", help="build the spaCy pipeline used by the NLU")
    n = nlp_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = n.add_parser("build", help="build the pipeline and entity ruler from the knowledge store")
    p.add_argument("--out", help="output folder (default: build/spacy-ischool)")
    p.add_argument("--force", action="store_true", help="rebuild even when the vocabulary is unchanged")
    p.set_defaults(handler=_nlp_build)
    return parser


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run one command; returns the process exit code."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    return handler(args, settings or load_settings())
