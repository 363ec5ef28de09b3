"""Command line for staff and operators of the running assistant: ``python -m bot --help``.

Each command group lives in its own module and registers its subcommands with ``register``. What only
developers run (serving locally, evaluation, the local cluster, the load test) is ``python -m tools``.
"""

from __future__ import annotations

import argparse
from typing import Sequence

from bot.cli import db, handoffs, knowledge, nlp, privacy, reminders, report
from bot.cli.common import run
from bot.config import Settings

GROUPS = (knowledge, handoffs, reminders, db, report, nlp, privacy)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command and its help."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Advising assistant tools for staff.")
    commands = parser.add_subparsers(dest="area", required=True,
                                     metavar="{knowledge,handoffs,reminders,db,report,nlp,privacy}")
    for group in GROUPS:
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run one command; returns the process exit code."""
    return run(build_parser(), argv, settings)
