"""Helpers shared by the command groups (and by ``python -m tools``)."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from bot.config import Settings, load_settings
from bot.database import SchemaError
from bot.knowledge.formats import Problem


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None, settings: Settings | None) -> int:
    """Parse ``argv`` and run the chosen command's handler; returns the process exit code."""
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    try:
        return handler(args, settings or load_settings())
    except SchemaError as exc:
        print(exc, file=sys.stderr)
        return 1


def print_problems(problems: list[Problem]) -> int:
    """Print each problem on stderr; returns exit code 1."""
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    # Never print a password from a database URL.
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest
