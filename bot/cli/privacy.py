"""``python -m bot privacy``: personal data past its retention window."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from bot.cli.common import safe_url
from bot.config import PROJECT_ROOT, Settings


def register(commands: argparse._SubParsersAction) -> None:
    """Add this group's commands."""
    privacy = commands.add_parser("privacy", help="personal data: delete what is past its retention window")
    p = privacy.add_subparsers(dest="command", required=True, metavar="COMMAND")
    purge = p.add_parser("purge", help="delete conversations and closed tickets older than the window",
                         description="Delete whole conversations whose last message is older than the window, "
                                     "and closed handoff tickets older than theirs; open tickets are kept.")
    purge.add_argument("--older-than", type=_days, metavar="DAYS",
                       help="the window in days (default: RETENTION_DAYS, 180)")
    purge.add_argument("--urgent-older-than", type=_days, metavar="DAYS",
                       help="the window of urgent (crisis) tickets (default: RETENTION_URGENT_DAYS, 365)")
    purge.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml",
                       help="Rasa's endpoints file naming the tracker store (default: endpoints.yml)")
    purge.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")
    purge.set_defaults(handler=_purge)


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.database import make_engine
    from bot.privacy import conversations, reports, retention

    # Tickets hold the most sensitive data (crisis disclosures, names, contacts): a tracker store this command
    # cannot read must not keep them, so they are purged whatever happens to the conversations.
    urls: dict[str, object] = {"handoffs": settings.handoff_db_url}
    failed = False
    try:
        urls["tracker"] = conversations.tracker_store_url(args.endpoints)
    except (conversations.TrackerStoreError, OSError) as exc:
        print(f"Cannot purge conversations: {exc}", file=sys.stderr)
        failed = True
    policy = retention.Policy(args.older_than or settings.retention_days,
                              args.urgent_older_than or settings.retention_urgent_days)
    engines = {name: make_engine(_text(url)) for name, url in urls.items() if _exists(url)}
    for name, label in (("tracker", "Tracker store"), ("handoffs", "Handoff tickets")):
        if name in urls:
            url = urls[name]
            print(f"{label}: {_shown(url)}" + ("" if _exists(url) else " (no such database: nothing to purge)"))
    try:
        outcome = retention.purge(engines.get("tracker"), engines.get("handoffs"), policy, dry_run=args.dry_run)
    finally:
        for engine in engines.values():
            engine.dispose()
    print("\n".join(outcome.lines()))
    old = reports.expired(settings.reports_dir, policy.cutoffs(dt.datetime.now(dt.timezone.utc))[0])
    if not args.dry_run:
        reports.delete(old)
    print(f"Staff reports in {settings.reports_dir} older than {policy.days} days: {len(old)} "
          f"{'would be deleted' if args.dry_run else 'deleted'}.")
    return 1 if failed else 0


def _days(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a whole number of days, at least 1, not {text!r}")
    return int(text)


def _text(url: object) -> str:
    render = getattr(url, "render_as_string", None)  # Rasa builds a SQLAlchemy URL for servers
    return render(hide_password=False) if render else str(url)


def _shown(url: object) -> str:
    render = getattr(url, "render_as_string", None)  # a SQLAlchemy URL hides its password itself
    return render(hide_password=True) if render else safe_url(str(url))


def _exists(url: object) -> bool:
    """False for a SQLite file that is not there (opening it would create an empty one)."""
    text = str(url)
    if not text.startswith("sqlite:///") or text.startswith("sqlite:///:memory:"):
        return True
    return Path(text.removeprefix("sqlite:///")).exists()
