"""``python -m bot handoffs``: the staff queue of questions handed to people."""

from __future__ import annotations

import argparse
import json
import sys

from bot.config import Settings
from bot.text import printable


def register(commands: argparse._SubParsersAction) -> None:
    """Add this group's commands."""
    handoffs = commands.add_parser("handoffs", help="the staff queue of questions handed to people")
    h = handoffs.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = h.add_parser("list", help="list tickets, urgent first")
    p.add_argument("--status", choices=("open", "closed"), help="only tickets with this status")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=_handoffs_list)
    p = h.add_parser("show", help="one ticket with its transcript")
    p.add_argument("id", metavar="ID", help="reference (H-1A2B3C) or number")
    p.set_defaults(handler=_handoffs_show)
    p = h.add_parser("close", help="close a ticket with the answer staff gave")
    p.add_argument("id", metavar="ID", help="reference (H-1A2B3C) or number")
    p.add_argument("--answer", required=True, metavar="TEXT", help="the answer given to the student")
    p.set_defaults(handler=_handoffs_close)
    p = h.add_parser("drafts", help="closed tickets' answers, as drafts for knowledge/answers.yml")
    p.set_defaults(handler=_handoffs_drafts)


def _handoffs_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handoffs.form_fields import readable_phone
    from bot.handoffs.tickets import open_handoffs

    tickets = open_handoffs(settings.handoff_db_url).list(args.status)
    if args.json:
        print(json.dumps([t.as_dict() for t in tickets], indent=2))
        return 0
    if not tickets:
        print(f"No {args.status + ' ' if args.status else ''}handoff tickets.")
    for t in tickets:
        flag = "URGENT " if t.urgent else ""
        # printable(): a ticket stored before text was cleaned may still hold terminal escape sequences.
        print(printable(f"{t.reference}  {t.status:<6} {t.created_at:%Y-%m-%d %H:%M}  {flag}{t.channel:<8} "
                        f"{t.email or readable_phone(t.phone) or '(no contact)'}: {t.question[:70]}"))
    return 0


def _handoffs_show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handoffs.tickets import open_handoffs

    ticket = open_handoffs(settings.handoff_db_url).get(args.id)
    if ticket is None:
        print(f"No handoff ticket {args.id}.", file=sys.stderr)
        return 1
    print(json.dumps(ticket.as_dict(transcript=True), indent=2))
    return 0


def _handoffs_close(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handoffs.tickets import open_handoffs

    if not args.answer.strip():
        print("Give the answer you sent with --answer TEXT.", file=sys.stderr)
        return 2
    ticket = open_handoffs(settings.handoff_db_url).close(args.id, args.answer)
    if ticket is None:
        print(f"No handoff ticket {args.id}.", file=sys.stderr)
        return 1
    print(f"Closed {ticket.reference}. Its answer is kept as a draft: python -m bot handoffs drafts")
    return 0


def _handoffs_drafts(args: argparse.Namespace, settings: Settings) -> int:
    import yaml

    from bot.handoffs.tickets import open_handoffs

    drafts = open_handoffs(settings.handoff_db_url).drafts()
    if not drafts:
        print("No drafts: close tickets with --answer to collect them.")
        return 0
    print("# Answers staff gave to handed-off questions. To make one an FAQ answer, add a topic to")
    print("# knowledge/answers.yml (and examples to data/nlu/faq/<topic>.yml), then import and train.")
    print(yaml.safe_dump({"drafts": drafts}, sort_keys=False, allow_unicode=True, width=100))
    return 0
