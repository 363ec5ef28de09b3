"""Command line for staff and developers: ``python -m bot --help``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from bot import loader
from bot.config import PROJECT_ROOT, Settings, load_settings
from bot.store import KnowledgeStore, SchemaError, make_engine, open_store


def _import(args: argparse.Namespace, settings: Settings) -> int:
    store = open_store(settings)
    paths = [Path(p) for p in args.paths]
    try:
        kinds = store.load(paths)
    except loader.KnowledgeError as exc:
        print("Nothing was changed. Fix these problems and import again:", file=sys.stderr)
        return _report(exc.problems)
    print(f"Imported {', '.join(kinds)} into {_safe_url(settings.database_url)}.")
    return 0


def _init(args: argparse.Namespace, settings: Settings) -> int:
    store = KnowledgeStore(make_engine(settings.database_url))
    if args.reset:
        store.reset_schema()
    store.create_schema()
    if store.schema_problems():
        print("The knowledge database was made by an older version; run with --reset to rebuild it from "
              "knowledge/.", file=sys.stderr)
        return 1
    if not args.reset and not store.is_empty():
        print(f"Knowledge database already loaded: {_safe_url(settings.database_url)} (use --reset to reload).")
        return 0
    try:
        kinds = store.load_directory(settings.knowledge_dir)
    except loader.KnowledgeError as exc:
        return _report(exc.problems)
    print(f"Loaded {', '.join(kinds)} from {settings.knowledge_dir} into {_safe_url(settings.database_url)}.")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    directory = Path(args.dir) if args.dir else settings.knowledge_dir
    missing = [loader.Problem(name, 0, "(file)", f"missing from {directory}")
               for name in loader.LOAD_ORDER if not (directory / name).exists()]
    parsed, problems = loader.validate([directory / n for n in loader.LOAD_ORDER if (directory / n).exists()], set())
    if missing or problems:
        _report(missing + problems)
        print(f"{len(missing + problems)} problem(s) in {directory}.", file=sys.stderr)
        return 1
    print(f"All {len(parsed)} knowledge files in {directory} are valid.")
    return 0


def _report(problems: list[loader.Problem]) -> int:
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from bot import exporter

    store = open_store(settings)
    with store.session() as session:
        written = exporter.export(session, Path(args.dir))
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


def _nlp_build(args: argparse.Namespace, settings: Settings) -> int:
    from bot import nlp  # spaCy (and the TensorFlow it probes for) load only for this command

    store = open_store(settings)
    out = Path(args.out) if args.out else settings.spacy_model_dir
    built = nlp.build_to_disk(store.synonyms(), out, force=args.force)
    print(f"spaCy pipeline {'built' if built else 'up to date'}: {out}")
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot import servers

    open_store(settings)  # create and load the knowledge database before the servers need it

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Ctrl-C, and SIGTERM from a supervisor, stop both servers (even when started in the background,
    # where the shell leaves SIGINT ignored).
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    running = servers.start(Path(args.model), rasa_port=args.port, action_port=args.action_port)
    page = running.rest_url.replace("/rest/webhook", "/webchat/")
    print(f"\nThe assistant is running.\n  Web page with the chat widget: {page}\n  Or over REST:\n"
          f"  curl -s {running.rest_url} -d '{{\"sender\": \"me\", \"message\": \"how long is the MLS?\"}}'\n"
          f"or in a terminal: make shell. Logs: var/log/. Press Ctrl-C to stop.", flush=True)
    try:
        while all(p.poll() is None for p in running.processes):
            time.sleep(1)
        print("A server stopped; see var/log/.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        servers.stop(running)


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot import evaluate

    results = Path(args.out)
    rows: list[tuple[str, str]] = []
    parser = evaluate.Parser(Path(args.model))
    heldout = evaluate.read_examples(Path(args.heldout))
    nlu = evaluate.summarize(heldout, parser.labels(e.text for e in heldout))
    evaluate.write(results, "nlu_heldout", nlu)
    rows += [("held-out examples", str(nlu["examples"])), ("intent accuracy", evaluate.percent(nlu["intent_accuracy"])),
             ("intent+topic accuracy", evaluate.percent(nlu["accuracy"])),
             ("FAQ topic accuracy", evaluate.percent(nlu["faq_topic_accuracy"])),
             ("macro F1", f"{nlu['macro_f1']:.3f}")]
    if args.clinc:
        clinc = evaluate.read_clinc(Path(args.clinc), args.clinc_split, limit=args.clinc_limit)
        off = evaluate.rejection(clinc, parser.labels(e.text for e in clinc))
        evaluate.write(results, f"clinc150_{args.clinc_split}", off)
        rows += [(f"CLINC150 {args.clinc_split} off-topic queries", str(off["queries"])),
                 ("CLINC150 rejection", evaluate.percent(off["rejection_rate"]))]
    if args.rest:
        from bot import servers

        checks = evaluate.read_answer_checks(Path(args.answers))
        with servers.running(Path(args.model), rasa_port=args.port, action_port=args.action_port) as running:
            answers = evaluate.check_answers(running, checks)
        evaluate.write(results, "answers_rest", answers)
        rows += [("REST answer checks", f"{answers['passed']}/{answers['checks']}")]
    print(evaluate.table(rows))
    for item in nlu["confusions"][:10]:
        print(f"  confused: {item['expected']} -> {item['predicted']} ({item['count']})")
    print(f"Results written to {results}/")
    return 0


def _handoffs_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handoffs import open_handoffs

    tickets = open_handoffs().list(args.status)
    if args.json:
        print(json.dumps([_ticket_dict(t) for t in tickets], indent=2))
        return 0
    if not tickets:
        print(f"No {args.status + ' ' if args.status else ''}handoff tickets.")
    for t in tickets:
        flag = "URGENT " if t.urgent else ""
        print(f"{t.reference}  {t.status:<6} {t.created_at:%Y-%m-%d %H:%M}  {flag}{t.channel:<8} "
              f"{t.email or t.phone or '(no contact)'}: {t.question[:70]}")
    return 0


def _handoffs_show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handoffs import open_handoffs

    ticket = open_handoffs().get(args.id)
    if ticket is None:
        print(f"No handoff ticket {args.id}.", file=sys.stderr)
        return 1
    print(json.dumps(_ticket_dict(ticket, transcript=True), indent=2))
    return 0


def _handoffs_close(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handoffs import open_handoffs

    if not args.answer.strip():
        print("Give the answer you sent with --answer TEXT.", file=sys.stderr)
        return 2
    ticket = open_handoffs().close(args.id, args.answer)
    if ticket is None:
        print(f"No handoff ticket {args.id}.", file=sys.stderr)
        return 1
    print(f"Closed {ticket.reference}. Its answer is kept as a draft: python -m bot handoffs drafts")
    return 0


def _handoffs_drafts(args: argparse.Namespace, settings: Settings) -> int:
    import yaml

    from bot.handoffs import open_handoffs

    drafts = open_handoffs().drafts()
    if not drafts:
        print("No drafts: close tickets with --answer to collect them.")
        return 0
    print("# Answers staff gave to handed-off questions. To make one an FAQ answer, add a topic to")
    print("# knowledge/answers.yml (and examples to data/nlu/faq.yml), then import and train.")
    print(yaml.safe_dump({"drafts": drafts}, sort_keys=False, allow_unicode=True, width=100))
    return 0


def _ticket_dict(ticket: Any, transcript: bool = False) -> dict[str, Any]:
    data = {"reference": ticket.reference, "id": ticket.id, "status": ticket.status, "urgent": ticket.urgent,
            "created_at": ticket.created_at.isoformat(), "channel": ticket.channel, "name": ticket.name,
            "email": ticket.email, "phone": ticket.phone, "question": ticket.question, "answer": ticket.answer,
            "staff_notified": ticket.notified, "notify_error": ticket.notify_error}
    if transcript:
        data["transcript"] = json.loads(ticket.transcript)
    return data


def _staff_report(args: argparse.Namespace, settings: Settings) -> int:
    from bot import report
    from bot.handoffs import open_handoffs

    now = dt.datetime.now(dt.timezone.utc)
    try:
        since = report.parse_since(args.since, now)
    except ValueError:
        print(f"--since takes 7d, 24h or a date like 2026-11-01, not {args.since!r}.", file=sys.stderr)
        return 2
    summary = report.summarize(report.read_events(args.tracker_db, since), since, settings.timezone)
    tickets = open_handoffs().list(since=since)
    page = report.write(summary, tickets, Path(args.out))
    if not summary.user_messages:
        print(f"No conversations since {since:%Y-%m-%d %H:%M} UTC; wrote an empty report to {page}.")
    else:
        print(f"{summary.conversations} conversations, {summary.user_messages} messages, fallback rate "
              f"{summary.fallbacks / summary.user_messages:.1%}, {len(tickets)} handed to staff. Report: {page}")
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
    commands = parser.add_subparsers(dest="area", required=True, metavar="{knowledge,handoffs,report,serve,eval,nlp}")

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
    p = k.add_parser("export", help="write the current knowledge back to files in the same formats")
    p.add_argument("dir", metavar="DIR", help="folder to write into (created if missing)")
    p.set_defaults(handler=_export)
    p = k.add_parser("stale", help="list facts not reviewed recently and sessions already past")
    p.add_argument("--days", type=int, help="review window in days (default: KNOWLEDGE_STALE_DAYS or 180)")
    p.add_argument("--strict", action="store_true", help="exit 1 when anything is stale")
    p.set_defaults(handler=_stale)

    p = commands.add_parser("serve", help="start the action server and the Rasa server (REST) until Ctrl-C")
    p.add_argument("--model", default="models/ischool.tar.gz", help="trained model (default: %(default)s)")
    p.add_argument("--port", type=int, default=5005, help="Rasa server port (default: %(default)s)")
    p.add_argument("--action-port", type=int, default=5055, help="action server port (default: %(default)s)")
    p.set_defaults(handler=_serve)

    p = commands.add_parser("eval", help="held-out NLU accuracy, CLINC150 rejection and REST answer checks")
    p.add_argument("--model", default="models/ischool.tar.gz", help="trained model (default: %(default)s)")
    p.add_argument("--heldout", default="tests/nlu/heldout.yml", help="held-out NLU file (default: %(default)s)")
    p.add_argument("--clinc", help="path to CLINC150 data_full.json (off-topic rejection)")
    p.add_argument("--clinc-split", default="test", choices=("test", "val"), help="CLINC150 split")
    p.add_argument("--clinc-limit", type=int, help="evaluate a random sample of this many queries")
    p.add_argument("--rest", action="store_true", help="also start the servers and check answers over REST")
    p.add_argument("--answers", default="tests/answer_checks.yml", help="answer checks (default: %(default)s)")
    p.add_argument("--port", type=int, default=5015, help="Rasa port for --rest (default: %(default)s)")
    p.add_argument("--action-port", type=int, default=5065, help="action port for --rest (default: %(default)s)")
    p.add_argument("--out", default="results", help="folder for the JSON results (default: %(default)s)")
    p.set_defaults(handler=_eval)

    p = commands.add_parser("report", help="staff report from the tracker store: HTML with plots")
    p.add_argument("--since", default="7d", help="period: 7d, 24h or an ISO date (default: %(default)s)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder for report.html and its plots")
    p.add_argument("--tracker-db", default=f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}",
                   help="SQLAlchemy URL of Rasa's SQL tracker store (default: var/tracker.db)")
    p.set_defaults(handler=_staff_report)

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
    try:
        return handler(args, settings or load_settings())
    except SchemaError as exc:
        print(exc, file=sys.stderr)
        return 1
