"""``make loadtest``: students in multi-turn conversations against the cluster, faults injected, nothing lost.

Two runs in one go, so their figures compare: the same load on one Rasa server alone (no HAProxy),
then on the cluster while, one after another, a Rasa replica is killed, an action server is killed,
Redis is stopped for 30 s and PostgreSQL restarts. locust (bench/load/locustfile.py, in .venv-load)
writes every turn it sent; afterwards each conversation is read back from the tracker store:

- every acknowledged message (HTTP 200) is there once, in order; one that was not may be there once;
- the bot's replies stored for a turn are the replies the student received, none missing or repeated;
- a turn that only makes sense with the earlier ones (an answer "MLS" to "which program?") got the
  right reply, whichever replica served it.

One table; the exit code is 1 on any lost event, 5xx, silence or lost context.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import sqlalchemy as sa

from bot.config import PROJECT_ROOT
from tools import local_cluster
from tools.servers import child_env

LOCUSTFILE = PROJECT_ROOT / "bench" / "load" / "locustfile.py"


@dataclass
class Fault:
    """Something that goes wrong during the run: ``begin`` at ``at`` seconds, ``end`` ``lasts`` later."""

    name: str
    at: float
    begin: Callable[[], None]
    end: Callable[[], None] | None = None
    lasts: float = 0
    started: float = 0.0  # wall-clock time it really began
    note: str = ""


@dataclass
class Turn:
    """One message a simulated student sent, as locust logged it."""

    sender: str
    index: int
    text: str
    status: int
    replies: list[str]
    started: float
    seconds: float
    replica: str
    problem: str

    @property
    def acknowledged(self) -> bool:
        return self.status == 200


@dataclass
class Window:
    """The turns that began between two moments, and what came of them."""

    label: str
    start: float
    stop: float
    turns: list[Turn] = field(default_factory=list)
    lost: int = 0


def read_turns(path: Path) -> list[Turn]:
    """The turns locust wrote (JSON lines)."""
    if not path.exists():
        return []
    return [Turn(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def stored_conversations(tracker_url: str, prefix: str) -> dict[str, list[tuple[str, str]]]:
    """(event type, text) of the user and bot events of the run's conversations, in stored order."""
    engine = sa.create_engine(tracker_url, future=True)
    query = sa.text("SELECT sender_id, type_name, data FROM events WHERE sender_id LIKE :p "
                    "AND type_name IN ('user', 'bot') ORDER BY id")
    conversations: dict[str, list[tuple[str, str]]] = defaultdict(list)
    try:
        with engine.connect() as db:
            for sender_id, type_name, data in db.execute(query, {"p": f"{prefix}%"}):
                conversations[sender_id].append((type_name, json.loads(data).get("text") or ""))
    finally:
        engine.dispose()
    return conversations


def lost_events(turns: Sequence[Turn], stored: Sequence[tuple[str, str]]) -> list[tuple[Turn | None, str]]:
    """What the tracker store lost or repeated of one conversation, each with the turn it concerns."""
    said = [(i, text) for i, (kind, text) in enumerate(stored) if kind == "user"]
    problems: list[tuple[Turn | None, str]] = []
    position = 0
    for turn in sorted(turns, key=lambda t: t.index):
        found = position < len(said) and said[position][1] == turn.text
        if not found:
            if turn.acknowledged:
                problems.append((turn, "acknowledged message missing from the tracker store"))
            continue
        if turn.acknowledged:
            event = said[position][0]
            end = said[position + 1][0] if position + 1 < len(said) else len(stored)
            bot = [text for kind, text in stored[event + 1:end] if kind == "bot"]
            if bot != turn.replies:
                problems.append((turn, f"stored replies {bot!r} differ from the replies received {turn.replies!r}"))
        position += 1
    problems += [(None, f"message stored more than once or never sent: {text!r}") for _, text in said[position:]]
    return problems


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else 0.0


def row(window: Window) -> list[str]:
    """A table row: turns, throughput, latency percentiles, errors, 5xx, lost events."""
    turns = window.turns
    seconds = [t.seconds * 1000 for t in turns]
    span = max(window.stop - window.start, 1e-9)
    errors = sum(1 for t in turns if t.problem)
    server_errors = sum(1 for t in turns if t.status >= 500)
    return [window.label, str(len(turns)), f"{len(turns) / span:.1f}", f"{percentile(seconds, .5):.0f}",
            f"{percentile(seconds, .95):.0f}", f"{percentile(seconds, .99):.0f}", str(errors), str(server_errors),
            str(window.lost)]


HEADER = ["phase", "turns", "turns/s", "p50 ms", "p95 ms", "p99 ms", "errors", "5xx", "events lost"]


def table(rows: Iterable[Sequence[str]]) -> str:
    """A plain-text table with the header above."""
    rows = [HEADER, *rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_locust(locust: Path, host: str, users: int, seconds: int, log: Path, run_id: str) -> int:
    """Drive ``host`` with ``users`` students for ``seconds``; returns locust's exit code."""
    env = child_env({"LOAD_RUN": run_id, "LOAD_LOG": str(log)})
    command = [str(locust), "-f", str(LOCUSTFILE), "--headless", "--users", str(users), "--spawn-rate", "10",
               "--run-time", f"{seconds}s", "--stop-timeout", "30", "--host", host, "--only-summary",
               "--loglevel", "WARNING"]
    with open(log.with_suffix(".locust.log"), "w") as out:
        return subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, check=False).returncode


# ------------------------------------------------------------ the machine's Redis and PostgreSQL

REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
               "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"]


def stop_redis() -> None:
    """Stop the machine's Redis (it keeps nothing on disk)."""
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"], check=False,  # noqa: S607
                   capture_output=True)


def start_redis() -> None:
    """Start it again as the machine does."""
    subprocess.run(REDIS_START, check=True, capture_output=True)


def restart_postgres() -> None:
    """Restart the machine's PostgreSQL cluster (every connection is closed)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True,  # noqa: S607
                   capture_output=True)


def can_control_services() -> str:
    """Why Redis and PostgreSQL cannot be stopped and started from here, or '' when they can."""
    if os.geteuid() != 0:
        return "needs root (pg_ctlcluster, redis-server)"
    missing = [c for c in ("redis-cli", "redis-server", "pg_ctlcluster") if not shutil.which(c)]
    if missing or not os.path.isdir("/etc/postgresql"):
        return f"not found: {', '.join(missing) or '/etc/postgresql'}"
    return ""


def faults(cluster: local_cluster.Cluster) -> list[Fault]:
    """The faults, in order, at seconds into the cluster run."""
    return [
        Fault("Rasa replica killed", 45, lambda: cluster.kill("rasa2"), lambda: cluster.launch("rasa2"), 30),
        Fault("action server killed", 150, lambda: cluster.kill("actions1"), lambda: cluster.launch("actions1"), 30),
        Fault("Redis stopped 30 s", 195, stop_redis, start_redis, 30),
        Fault("PostgreSQL restarted", 245, restart_postgres),
    ]


def inject(schedule: list[Fault], began: float, stop: threading.Event) -> None:
    """Begin (and end) each fault at its time; runs in a thread beside locust."""
    pending: list[tuple[float, Fault, bool]] = sorted(
        [(f.at, f, True) for f in schedule] + [(f.at + f.lasts, f, False) for f in schedule if f.end],
        key=lambda item: item[0])
    for at, fault, beginning in pending:
        if stop.wait(max(0.0, began + at - time.time())):
            return
        try:
            if beginning:
                fault.started = time.time()
                fault.begin()
            else:
                assert fault.end is not None
                fault.end()
        except (OSError, subprocess.CalledProcessError) as error:
            fault.note = f"could not {'begin' if beginning else 'end'}: {error}"


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def windows(label: str, began: float, ended: float, schedule: Sequence[Fault]) -> list[Window]:
    """The run cut at each fault's start: steady, then one window per fault, then the whole run."""
    cuts = [(f"{label}: steady", began)] + [(f"{label}: {f.name}", f.started or began + f.at) for f in schedule]
    parts = [Window(name, start, cuts[i + 1][1] if i + 1 < len(cuts) else ended)
             for i, (name, start) in enumerate(cuts)]
    return parts + [Window(f"{label}: whole run", began, ended)]


def assign(turns: Sequence[Turn], parts: Sequence[Window], lost: dict[int, int]) -> None:
    """Put each turn (and the events lost on it) in the windows it began in."""
    for turn in turns:
        for window in parts:
            if window.start <= turn.started < window.stop:
                window.turns.append(turn)
                window.lost += lost.get(id(turn), 0)


def check_store(turns: Sequence[Turn], tracker_url: str, run_id: str) -> tuple[dict[int, int], list[str]]:
    """Events lost per turn (by ``id``) and a description of each loss."""
    stored = stored_conversations(tracker_url, f"rest:load-{run_id}-")
    by_sender: dict[str, list[Turn]] = defaultdict(list)
    for turn in turns:
        by_sender[turn.sender].append(turn)
    lost: dict[int, int] = defaultdict(int)
    notes = []
    for sender, conversation in by_sender.items():
        for turn, what in lost_events(conversation, stored.get(f"rest:{sender}", [])):
            key = id(turn) if turn is not None else id(conversation[-1])
            lost[key] += 1
            notes.append(f"{sender}: {what}")
    return lost, notes


def crossings(turns: Sequence[Turn]) -> tuple[int, int]:
    """Turns served by another replica than the conversation's previous turn, and how many lost context."""
    by_sender: dict[str, list[Turn]] = defaultdict(list)
    for turn in turns:
        by_sender[turn.sender].append(turn)
    crossed = lost = 0
    for conversation in by_sender.values():
        conversation.sort(key=lambda t: t.index)
        for before, after in zip(conversation, conversation[1:]):
            if before.replica and after.replica and before.replica != after.replica:
                crossed += 1
                lost += after.problem == "context lost"
    return crossed, lost


def main(model: Path, locust: Path, users: int = 50, single_seconds: int = 60, cluster_seconds: int = 290,
         out: Path = PROJECT_ROOT / "results" / "load") -> int:
    """Run the load test; print the table; 0 when nothing was lost and no request failed on the server."""
    out.mkdir(parents=True, exist_ok=True)
    run_id = time.strftime("%H%M%S")
    blocked = can_control_services()
    layout = local_cluster.Layout(database_suffix="_load")
    print(f"Starting the cluster (load run {run_id}, {users} students)...", flush=True)
    # 50 students from one address: HAProxy's limit per address would be the only thing measured.
    with local_cluster.running(model, layout=layout, log_dir=out / "logs",
                               extra_env={"STUDENT_RATE_LIMIT": "1000000", "SHOW_REPLICA": "yes"}) as cluster:
        rss_before = {name: rss_mb(cluster.pid(name)) for name in ("rasa1", "rasa2", "actions1", "actions2")}
        single_log, cluster_log = out / f"single-{run_id}.jsonl", out / f"cluster-{run_id}.jsonl"
        print(f"One Rasa server alone for {single_seconds} s...", flush=True)
        began = time.time()
        run_locust(locust, f"http://127.0.0.1:{layout.rasa_port(1)}", users, single_seconds, single_log,
                   f"{run_id}s")
        single = [Window("1 Rasa server", began, time.time())]
        print(f"The cluster for {cluster_seconds} s, with faults...", flush=True)
        schedule = [] if blocked else faults(cluster)
        if blocked:
            schedule = [f for f in faults(cluster) if "Redis" not in f.name and "PostgreSQL" not in f.name]
        stop = threading.Event()
        began = time.time()
        injector = threading.Thread(target=inject, args=(schedule, began, stop), daemon=True)
        injector.start()
        run_locust(locust, f"http://127.0.0.1:{layout.front_port}", users, cluster_seconds, cluster_log,
                   f"{run_id}c")
        stop.set()
        injector.join()
        parts = windows("2 replicas", began, time.time(), schedule)
        rss_after = {name: rss_mb(cluster.pid(name)) for name in rss_before if cluster.members[name].process
                     and cluster.members[name].process.poll() is None}
        tracker = layout.database_url("tracker")
        results = []
        for label, log, run_windows, suffix in (("single", single_log, single, "s"),
                                                ("cluster", cluster_log, parts, "c")):
            turns = read_turns(log)
            lost, notes = check_store(turns, tracker, run_id + suffix)
            assign(turns, run_windows, lost)
            results.append((label, turns, notes))
    print()
    print(table(row(w) for w in single + parts))
    all_turns = [t for _, turns, _ in results for t in turns]
    crossed, context_lost = crossings(results[1][1])
    notes = [n for _, _, ns in results for n in ns]
    print(f"\nConversation turns crossing replicas: {crossed}, context lost: {context_lost}.")
    for fault in schedule:
        if fault.note:
            print(f"Fault '{fault.name}': {fault.note}")
    if blocked:
        print(f"Redis and PostgreSQL faults not run: {blocked}.")
    print("Memory (RSS MB, start -> end): " + ", ".join(
        f"{n} {rss_before[n]:.0f} -> {rss_after[n]:.0f}" if n in rss_after else f"{n} {rss_before[n]:.0f} -> restarted"
        for n in rss_before))
    for note in notes[:20]:
        print(f"  lost: {note}")
    problems = sum(1 for t in all_turns if t.problem) + len(notes)
    (out / f"summary-{run_id}.json").write_text(json.dumps({
        "rows": [dict(zip(HEADER, row(w))) for w in single + parts], "crossings": crossed,
        "context_lost": context_lost, "lost": notes, "median_seconds": statistics.median(
            [t.seconds for t in all_turns]) if all_turns else None}, indent=2))
    print(f"Turn logs and summary in {out}/")
    return 1 if problems or not all_turns else 0
