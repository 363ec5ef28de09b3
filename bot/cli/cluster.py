"""``python -m bot cluster``: the production layout on this machine (see bot/cluster/local.py)."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from bot.config import Settings


def register(commands: argparse._SubParsersAction) -> None:
    """Add this group's commands."""
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


def _cluster(args: argparse.Namespace, _settings: Settings) -> int:
    from bot.cluster import local

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    layout = local.Layout(base_port=args.base_port, postgres_url=args.postgres.rstrip("/"))
    print("Starting HAProxy, 2 Rasa servers and 2 action servers (about a minute)...", flush=True)
    cluster = local.start(Path(args.model), layout)
    print(f"\nThe cluster is running.\n  Web page: http://127.0.0.1:{layout.front_port}/webhooks/webchat/\n"
          f"  REST: {layout.rest_url}\n  HAProxy stats: http://127.0.0.1:{layout.stats_port}/stats\n"
          f"  Tracker store: {layout.database_url('tracker')}; locks: redis://{layout.redis_host}:"
          f"{layout.redis_port}/{layout.redis_db}\nLogs: {cluster.log_dir}. Press Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(1)
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
    from bot.cluster import loadtest

    return loadtest.main(Path(args.model), Path(args.locust), args.users, args.single_seconds, args.cluster_seconds)
