"""``python -m bot serve`` and ``python -m bot eval``: developer commands."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from bot.config import Settings
from bot.knowledge.store import open_store


def register(commands: argparse._SubParsersAction) -> None:
    """Add this group's commands."""
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



def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.devtools import servers

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
    from bot.devtools import evaluate

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
        from bot.devtools import servers

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
