"""Helpers shared by the command groups."""

from __future__ import annotations

import sys

from bot.knowledge.formats import Problem


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
