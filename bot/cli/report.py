"""``python -m bot report``: the staff report from the tracker store."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT, Settings


def register(commands: argparse._SubParsersAction) -> None:
    """Add this group's commands."""
    p = commands.add_parser("report", help="staff report from the tracker store: HTML with plots")
    p.add_argument("--since", default="7d", help="period: 7d, 24h or an ISO date (default: %(default)s)")
    p.add_argument("--out", metavar="DIR", help="folder for report.html and its plots (default: a new folder in "
                                                "REPORTS_DIR, var/reports, which the retention purge covers)")
    p.add_argument("--tracker-db", default=f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}",
                   help="SQLAlchemy URL of Rasa's SQL tracker store (default: var/tracker.db)")
    p.set_defaults(handler=_staff_report)


def _staff_report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handoffs.tickets import open_handoffs
    from bot.staff import report

    now = dt.datetime.now(dt.timezone.utc)
    try:
        since = report.parse_since(args.since, now)
    except ValueError:
        print(f"--since takes 7d, 24h or a date like 2026-11-01, not {args.since!r}.", file=sys.stderr)
        return 2
    summary = report.summarize(report.read_events(args.tracker_db, since), since, settings.timezone)
    tickets = open_handoffs(settings.handoff_db_url).list(since=since)
    out = Path(args.out) if args.out else settings.reports_dir / f"{now:%Y-%m-%d-%H%M%S}"
    page = report.write(summary, tickets, out)
    if not summary.user_messages:
        print(f"No conversations since {since:%Y-%m-%d %H:%M} UTC; wrote an empty report to {page}.")
    else:
        print(f"{summary.conversations} conversations, {summary.user_messages} messages, fallback rate "
              f"{summary.fallbacks / summary.user_messages:.1%}, {len(tickets)} handed to staff. Report: {page}")
    return 0
