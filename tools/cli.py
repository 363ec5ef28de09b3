"""``python -m tools``: start the assistant locally, measure it, run the cluster and the load test.

``serve`` (``make run``), ``eval`` (``make eval``) and ``sets`` (``make sets``) start the two servers as
child processes; ``cluster`` (``make cluster``) and ``loadtest`` (``make loadtest``) run the production
layout on this machine (see tools/local_cluster.py).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Sequence

from bot.cli.common import run, safe_url
from bot.config import Settings
from bot.knowledge.store import open_store
from tools import conversation_sets, evaluate, loadtest, local_cluster, seeds, servers

# The rows of the evaluation table, by the figure they show.
FIGURE_NAMES = {"accuracy": "held-out intent+topic", "intent_accuracy": "held-out intent",
                "faq_topic_accuracy": "held-out FAQ topic", "macro_f1": "held-out macro F1",
                "in_scope_false_rejection": "in-scope false rejection",
                "uncovered_wrong_topic": "uncovered: wrong-topic answers", "clinc_rejection": "CLINC150 rejection"}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command and its help."""
    parser = argparse.ArgumentParser(prog="python -m tools", description="Developer and operator tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{serve,eval,sets,cluster,loadtest}")
    p = commands.add_parser("serve", help="start the action server and the Rasa server (REST) until Ctrl-C")
    p.add_argument("--model", default="models/ischool.tar.gz", help="trained model (default: %(default)s)")
    p.add_argument("--port", type=int, default=5005, help="Rasa server port (default: %(default)s)")
    p.add_argument("--action-port", type=int, default=5055, help="action server port (default: %(default)s)")
    p.set_defaults(handler=_serve)

    p = commands.add_parser("eval", help="held-out NLU accuracy, CLINC150 rejection and REST answer checks")
    p.add_argument("--model", default="models/ischool.tar.gz", help="trained model for --seeds 0 and --rest "
                   "(default: %(default)s)")
    p.add_argument("--seeds", type=int, default=3, help="train this many models with seeds 1..N and report the "
                   "mean and spread; 0 evaluates --model alone (default: %(default)s)")
    p.add_argument("--config", default="config.yml", help="pipeline to train for --seeds (default: %(default)s)")
    p.add_argument("--models-dir", default="build/eval-models", help="where --seeds puts its models")
    p.add_argument("--uncovered", default="tests/nlu/uncovered.yml",
                   help="questions the page does not answer (default: %(default)s)")
    p.add_argument("--conversations", default="tests/conversation_checks.yml",
                   help="multi-turn checks for --rest (default: %(default)s)")
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

    p = commands.add_parser("sets", help="the conversation evaluation sets (tests/sets) over REST: items passed "
                                         "and urgent staff pages, per set")
    p.add_argument("--split", default="dev", choices=(*conversation_sets.SPLITS, "all"),
                   help="families to play (default: %(default)s)")
    p.add_argument("--only", nargs="+", metavar="SET", choices=conversation_sets.SET_NAMES,
                   help=f"only these sets: {', '.join(conversation_sets.SET_NAMES)}")
    p.add_argument("--model", default="models/ischool.tar.gz", help="trained model (default: %(default)s)")
    p.add_argument("--sets-dir", default="tests/sets", help="folder of the set files (default: %(default)s)")
    p.add_argument("--workers", type=int, default=4, help="conversations at a time (default: %(default)s)")
    p.add_argument("--port", type=int, default=5025, help="Rasa server port (default: %(default)s)")
    p.add_argument("--action-port", type=int, default=5075, help="action server port (default: %(default)s)")
    p.add_argument("--out", default="results", help="folder for sets_<split>.json (default: %(default)s)")
    p.set_defaults(handler=_sets)

    p = commands.add_parser("cluster", help="HAProxy, two Rasa and two action servers on PostgreSQL and Redis "
                                            "(loopback) until Ctrl-C")
    p.add_argument("--model", default="models/ischool.tar.gz", help="trained model (default: %(default)s)")
    p.add_argument("--base-port", type=int, default=5100,
                   help="HAProxy listens here; Rasa servers on +1, +2; actions on +50 (+51, +52) "
                        "(default: %(default)s)")
    p.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432",
                   help="PostgreSQL server for the tracker, knowledge and ticket databases (default: %(default)s)")
    p.set_defaults(handler=_cluster)

    p = commands.add_parser("loadtest", help="students in conversations against one Rasa server, then the "
                                             "cluster with faults; one table; exit 1 on anything lost")
    p.add_argument("--model", default="models/ischool.tar.gz", help="trained model (default: %(default)s)")
    p.add_argument("--locust", default=".venv-load/bin/locust", help="locust executable (default: %(default)s)")
    p.add_argument("--users", type=int, default=50, help="concurrent students (default: %(default)s)")
    p.add_argument("--single-seconds", type=int, default=60, help="run on one Rasa server (default: %(default)s)")
    p.add_argument("--cluster-seconds", type=int, default=290,
                   help="run on the cluster, faults at 45, 150, 195 and 245 s (default: %(default)s)")
    p.set_defaults(handler=_loadtest)
    return parser


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run one command; returns the process exit code."""
    return run(build_parser(), argv, settings)


def _stop_on_signals() -> None:
    """Ctrl-C, and SIGTERM from a supervisor, raise KeyboardInterrupt."""
    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Also when started in the background, where the shell leaves SIGINT ignored.
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    open_store(settings)  # create and load the knowledge database before the servers need it
    _stop_on_signals()
    running = servers.start(Path(args.model), rasa_port=args.port, action_port=args.action_port)
    page = running.rest_url.replace("/rest/webhook", "/webchat/")
    print(f"\nThe assistant is running.\n  Web page with the chat widget: {page}\n  Or over REST:\n"
          f"  curl -s {running.rest_url} -H 'Content-Type: application/json' \\\n"
          f"    -d '{{\"sender\": \"me-12345\", \"message\": \"how long is the MLS?\"}}'\n"
          f"or in a terminal: make shell. Logs: var/log/. Press Ctrl-C to stop.", flush=True)
    try:
        while True:  # a crashed server is started again, after a backoff, and the log says so
            for line in running.restart_crashed():
                print(line, file=sys.stderr, flush=True)
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        servers.stop(running)


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    results = Path(args.out)
    store = open_store(settings)
    answering = evaluate.answering_labels(store)
    heldout = evaluate.read_examples(Path(args.heldout))
    unseen = evaluate.read_examples(Path(args.uncovered))
    clinc = evaluate.read_clinc(Path(args.clinc), args.clinc_split, limit=args.clinc_limit) if args.clinc else []
    models = [Path(args.model)] if args.seeds == 0 else [
        seeds.train(Path(args.config), seed, Path(args.models_dir)) for seed in range(1, args.seeds + 1)]
    runs = []
    for n, model in enumerate(models):
        parser = evaluate.Parser(model)
        predicted = parser.labels(e.text for e in heldout)
        nlu = evaluate.summarize(heldout, predicted)
        gaps = evaluate.uncovered(unseen, parser.labels(e.text for e in unseen), answering)
        figures = {"accuracy": nlu["accuracy"], "intent_accuracy": nlu["intent_accuracy"],
                   "faq_topic_accuracy": nlu["faq_topic_accuracy"], "macro_f1": nlu["macro_f1"],
                   "in_scope_false_rejection": evaluate.false_rejection(heldout, predicted),
                   "uncovered_wrong_topic": gaps["wrong_topic_rate"]}
        evaluate.write(results, f"nlu_heldout_run{n + 1}", nlu)
        evaluate.write(results, f"uncovered_run{n + 1}", gaps)
        if clinc:
            off = evaluate.rejection(clinc, parser.labels(e.text for e in clinc))
            figures["clinc_rejection"] = off["rejection_rate"]
            evaluate.write(results, f"clinc150_{args.clinc_split}_run{n + 1}", off)
        runs.append(figures)
    summary = seeds.aggregate(runs)
    evaluate.write(results, "nlu_summary", {"runs": runs, "summary": summary})
    rows = [("held-out examples", str(len(heldout))), ("uncovered questions", str(len(unseen)))]
    rows += [(FIGURE_NAMES[key], seeds.describe(figure)) for key, figure in summary.items() if key in FIGURE_NAMES]
    if args.rest:
        checks = evaluate.read_answer_checks(Path(args.answers))
        conversations = evaluate.read_conversations(Path(args.conversations))
        with servers.running(Path(args.model), rasa_port=args.port, action_port=args.action_port,
                             env={"MESSAGE_RATE_LIMIT": "0"}) as running:
            answers = evaluate.check_answers(running, checks)
            multi = evaluate.check_conversations(running, conversations)
        evaluate.write(results, "answers_rest", answers)
        evaluate.write(results, "conversations_rest", multi)
        rows += [("REST answer checks", f"{answers['passed']}/{answers['checks']}"),
                 ("multi-turn REST checks", f"{multi['passed']}/{multi['conversations']}")]
    print(evaluate.table(rows))
    print(f"Results written to {results}/")
    return 0


def _sets(args: argparse.Namespace, settings: Settings) -> int:
    try:
        chosen = conversation_sets.read_sets(Path(args.sets_dir), args.only)
    except conversation_sets.SetFormatError as exc:
        print(exc, file=sys.stderr)
        return 1
    splits = conversation_sets.SPLITS if args.split == "all" else (args.split,)
    open_store(settings)  # create and load the knowledge database before the servers need it
    started = time.monotonic()
    by_split = conversation_sets.measure(Path(args.model), chosen, splits, rasa_port=args.port,
                                         action_port=args.action_port, workers=args.workers)
    seconds = round(time.monotonic() - started, 1)
    for split, summaries in by_split.items():
        conversation_sets.write(Path(args.out), split, summaries, model=args.model, seconds=seconds)
    print(conversation_sets.table(s for summaries in by_split.values() for s in summaries))
    print(f"{seconds:.0f} s (servers started and stopped included). Results written to "
          f"{', '.join(f'{args.out}/sets_{split}.json' for split in by_split)}")
    return 0


def _cluster(args: argparse.Namespace, _settings: Settings) -> int:
    _stop_on_signals()
    layout = local_cluster.Layout(base_port=args.base_port, postgres_url=args.postgres.rstrip("/"))
    print("Starting HAProxy, 2 Rasa servers and 2 action servers (about a minute)...", flush=True)
    cluster = local_cluster.start(Path(args.model), layout)
    print(f"\nThe cluster is running.\n  Web page: https://localhost:{layout.tls_port}/webhooks/webchat/ (a "
          f"self-signed certificate, {layout.tls_cert}: the browser asks you to accept it), or "
          f"http://127.0.0.1:{layout.front_port}/webhooks/webchat/\n"
          f"  REST: {layout.rest_url}\n  HAProxy stats: http://127.0.0.1:{layout.stats_port}/stats\n"
          f"  Tracker store: {safe_url(layout.database_url('tracker'))}; locks: redis://{layout.redis_host}:"
          f"{layout.redis_port}/{layout.redis_db}\n  Periodic: "
          + ", ".join(f"bot {' '.join(j.args)} every {j.minutes} min" for j in local_cluster.JOBS)
          + f"\nLogs: {cluster.log_dir}. Press Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(1)
            if cluster.periodic is not None:
                cluster.periodic.tick()  # reminders and staff reminders, as the scheduler service runs them
            gone = [m.name for m in cluster.members.values() if m.process and m.process.poll() is not None]
            if len(gone) == len(cluster.members):
                print("Every process stopped; see the logs.", file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        print("\nStopping...")
        return 0
    finally:
        cluster.stop()


def _loadtest(args: argparse.Namespace, _settings: Settings) -> int:
    return loadtest.main(Path(args.model), Path(args.locust), args.users, args.single_seconds, args.cluster_seconds)
