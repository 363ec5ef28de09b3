"""``python -m bot reminders``: the information-session reminders students asked for in the chat."""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings


def register(commands: argparse._SubParsersAction) -> None:
    """Add this group's commands."""
    reminders = commands.add_parser("reminders", help="information-session reminders students asked for")
    r = reminders.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = r.add_parser("send", help="email every reminder that is due, each once (safe to run often, and on "
                                  "several replicas at once)")
    p.set_defaults(handler=_reminders_send)
    p = r.add_parser("list", help="the stored reminders, soonest to send first")
    p.add_argument("--status", choices=("pending", "sending", "sent", "cancelled", "failed", "missed"),
                   help="only reminders in this state")
    p.set_defaults(handler=_reminders_list)


def _reminders_send(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from bot.knowledge.store import open_store
    from bot.reminders.sending import send_due
    from bot.reminders.store import open_reminders

    if not settings.email_configured:
        print("Email is not configured (SMTP_URL and EMAIL_FROM): no reminders were sent; they stay pending.",
              file=sys.stderr)
        return 2
    results = send_due(open_reminders(settings.handoff_db_url), open_store(settings), settings,
                       dt.datetime.now(dt.timezone.utc))
    for result in results:
        if result.status != "sent":
            print(f"  reminder {result.reminder_id}: {result.status}, {result.detail}", file=sys.stderr)
    sent = sum(r.status == "sent" for r in results)
    print(f"Sent {sent} reminder(s); {len(results) - sent} due but not sent by this run.")
    return 1 if any(r.status in ("failed", "pending") for r in results) else 0


def _reminders_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.reminders.store import STATUSES, open_reminders

    found = open_reminders(settings.handoff_db_url).all((args.status,) if args.status else STATUSES)
    if not found:
        print(f"No {args.status + ' ' if args.status else ''}reminders.")
    for r in found:
        print(f"{r.id:>5}  {r.status:<9} send {r.send_at:%Y-%m-%d %H:%M} UTC  {r.email}: {r.session_title[:60]}"
              + (f"  ({r.error})" if r.error else ""))
    return 0
