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
    p.add_argument("--status", choices=("open", "answered", "closed"), help="only tickets with this status")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=_handoffs_list)
    p = h.add_parser("show", help="one ticket with its transcript")
    p.add_argument("id", metavar="ID", help="reference (H-1A2B3C) or number")
    p.set_defaults(handler=_handoffs_show)
    p = h.add_parser("reply", help="answer a ticket: the student gets the answer in their chat and by email")
    p.add_argument("id", metavar="ID", help="reference (H-1A2B3C) or number")
    p.add_argument("--answer", required=True, metavar="TEXT", help="the answer for the student (plain text)")
    p.set_defaults(handler=_handoffs_reply)
    p = h.add_parser("close", help="close a ticket without sending a reply (answered some other way)")
    p.add_argument("id", metavar="ID", help="reference (H-1A2B3C) or number")
    p.add_argument("--answer", required=True, metavar="TEXT", help="the answer given to the student outside the "
                                                                   "assistant (kept, not sent)")
    p.set_defaults(handler=_handoffs_close)
    p = h.add_parser("reopen", help="open a closed or answered ticket again, to answer it (again)")
    p.add_argument("id", metavar="ID", help="reference (H-1A2B3C) or number")
    p.set_defaults(handler=_handoffs_reopen)
    p = h.add_parser("remind", help="one reminder in the staff thread of each open ticket waiting too long")
    p.add_argument("--hours", type=int, help="how long is too long (default: HANDOFF_REMIND_HOURS or 48)")
    p.set_defaults(handler=_handoffs_remind)
    p = h.add_parser("drafts", help="answered and closed tickets' answers, as drafts for knowledge/answers.yml")
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


def _handoffs_reply(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handoffs.delivery import answer_ticket
    from bot.handoffs.tickets import ANSWER_MAX, open_handoffs
    from bot.knowledge.store import open_store

    outcome = answer_ticket(open_handoffs(settings.handoff_db_url), args.id, args.answer, by="command line",
                            settings=settings, store=open_store(settings))
    if outcome.status == "answered" and outcome.ticket is not None:
        print(f"Answered {outcome.ticket.reference}: " + "; ".join(outcome.delivery) + ".")
        return 0
    problems = {
        "unknown": f"No handoff ticket {args.id}.",
        "empty": "Give the answer for the student with --answer TEXT.",
        "too_long": f"The answer is {len(args.answer.strip()):,} characters; a student can be sent at most "
                    f"{ANSWER_MAX:,}. Nothing was sent; the ticket is still open.",
        "not_open": f"{args.id} is {outcome.ticket.status if outcome.ticket else 'not open'}: nothing was sent. "
                    f"Reopen it in Slack to answer again.",
    }
    print(problems[outcome.status], file=sys.stderr)
    return 1 if outcome.status in ("unknown", "not_open") else 2


def _handoffs_reopen(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handoffs.tickets import open_handoffs

    ticket = open_handoffs(settings.handoff_db_url).reopen(args.id)
    if ticket is None:
        print(f"No handoff ticket {args.id}.", file=sys.stderr)
        return 1
    print(f"Reopened {ticket.reference}: python -m bot handoffs reply {ticket.reference} --answer TEXT")
    return 0


def _handoffs_remind(args: argparse.Namespace, settings: Settings) -> int:
    import datetime as dt

    from bot.handoffs.staff_thread import StaffThread

    if not settings.handoff_slack_channel:
        print("No staff Slack channel (HANDOFF_SLACK_CHANNEL): nobody to remind.", file=sys.stderr)
        return 2
    hours = args.hours or settings.remind_after_hours
    reminded = StaffThread(settings).remind(dt.datetime.now(dt.timezone.utc), dt.timedelta(hours=hours))
    print(f"Reminded staff of {len(reminded)} ticket(s) open for more than {hours} hours: "
          f"{', '.join(reminded) or 'none'}.")
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
