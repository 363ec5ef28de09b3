"""A production-shaped cluster on this machine: HAProxy in front of two Rasa servers and two action servers.

The replicas share conversations through PostgreSQL (tracker store) and Redis (lock store), and the
knowledge and tickets through PostgreSQL, all on loopback; ``deploy/endpoints.yml`` and
``deploy/haproxy.cfg`` are the production files, filled from the environment built here.

    python -m tools cluster        # what `make cluster` runs; Ctrl-C stops everything
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.config import PROJECT_ROOT, load_settings
from tools.servers import child_env, terminate, wait_until_up

DEPLOY = PROJECT_ROOT / "deploy"
DATABASES = {"tracker": "ischool_tracker", "knowledge": "ischool_knowledge", "handoffs": "ischool_handoffs"}


@dataclass(frozen=True)
class Job:
    """A ``python -m bot`` command run every ``minutes``; each is safe to run on several machines at once."""

    name: str
    args: tuple[str, ...]
    minutes: int


# The periodic jobs, run here as docker-compose.yml's scheduler service and the Helm CronJobs
# (deploy/helm/scheduled-jobs-values.yaml) run them; tests/test_deployment.py keeps the three in step.
JOBS = (Job("reminders-send", ("reminders", "send"), 15), Job("handoffs-remind", ("handoffs", "remind"), 60))


@dataclass(frozen=True)
class Layout:
    """Where each piece listens (all on loopback) and which servers it uses."""

    base_port: int = 5100
    postgres_url: str = "postgresql://postgres@127.0.0.1:5432"
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_db: int = 1
    database_suffix: str = ""  # the load test and the tests use their own databases
    rasa_replicas: int = 2
    action_replicas: int = 2
    # HAProxy's certificate and key (one PEM file): self-signed by `self_signed_certificate` when missing.
    tls_cert: Path = PROJECT_ROOT / "var" / "cluster" / "tls" / "assistant.pem"

    @property
    def front_port(self) -> int:
        """HAProxy's port for students' requests."""
        return self.base_port

    @property
    def tls_port(self) -> int:
        """HAProxy's HTTPS port for students' requests."""
        return self.base_port + 43

    @property
    def actions_front_port(self) -> int:
        """HAProxy's port for the Rasa servers' action calls."""
        return self.base_port + 50

    @property
    def stats_port(self) -> int:
        """HAProxy's stats page."""
        return self.base_port + 99

    def rasa_port(self, n: int) -> int:
        """The port of Rasa server ``n`` (1-based)."""
        return self.base_port + n

    def action_port(self, n: int) -> int:
        """The port of action server ``n`` (1-based)."""
        return self.base_port + 50 + n

    def database_url(self, kind: str) -> str:
        """The SQLAlchemy URL of one of the cluster's databases."""
        return f"{self.postgres_url}/{DATABASES[kind]}{self.database_suffix}"

    @property
    def rest_url(self) -> str:
        """The REST webhook, through HAProxy."""
        return f"http://127.0.0.1:{self.front_port}/webhooks/rest/webhook"


def environment(layout: Layout, token: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables ``deploy/endpoints.yml`` and ``deploy/haproxy.cfg`` read, and the stores' URLs."""
    tracker = make_url(layout.database_url("tracker"))
    values = {
        "ACTION_SERVER_URL": f"http://127.0.0.1:{layout.actions_front_port}/webhook",
        "ACTION_SERVER_TOKEN": token,
        # Both replicas accept the web chat ids either issues (a secret of its own, derived from the token).
        "WEBCHAT_SECRET": hashlib.sha256(f"webchat:{token}".encode()).hexdigest(),
        "TRACKER_DB_HOST": tracker.host or "127.0.0.1",
        "TRACKER_DB_PORT": str(tracker.port or 5432),
        "TRACKER_DB_NAME": tracker.database or "",
        "TRACKER_DB_USER": tracker.username or "",
        "TRACKER_DB_PASSWORD": tracker.password or "",
        "REDIS_HOST": layout.redis_host,
        "REDIS_PORT": str(layout.redis_port),
        "REDIS_DB": str(layout.redis_db),
        "REDIS_PASSWORD": "",
        # A turn that outlives this holds its conversation no longer (a replica that died mid-turn).
        "TICKET_LOCK_LIFETIME": "15",
        "SANIC_WORKERS": "1",
        "KNOWLEDGE_DB_URL": layout.database_url("knowledge"),
        "HANDOFF_DB_URL": layout.database_url("handoffs"),
        "RASA_BIND": f"127.0.0.1:{layout.front_port}",
        "RASA_TLS_BIND": f"127.0.0.1:{layout.tls_port}",
        "TLS_CERT": str(layout.tls_cert),
        "ACTIONS_BIND": f"127.0.0.1:{layout.actions_front_port}",
        "HAPROXY_STATS_BIND": f"127.0.0.1:{layout.stats_port}",
        # HAProxy limits requests per client address; the Rasa servers behind it see only HAProxy's. A hostile
        # run from this one address against the servers behind it sets a higher limit in the environment.
        "STUDENT_RATE_LIMIT": os.environ.get("STUDENT_RATE_LIMIT") or "50",
        "MESSAGE_RATE_LIMIT": "0",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{layout.front_port}",
    }
    for n in (1, 2):
        values[f"RASA_{n}"] = f"127.0.0.1:{layout.rasa_port(n)}"
        values[f"ACTIONS_{n}"] = f"127.0.0.1:{layout.action_port(n)}"
    return child_env({**values, **(extra or {})})


def create_databases(layout: Layout) -> None:
    """Create the cluster's PostgreSQL databases that do not exist yet."""
    engine = sa.create_engine(f"{layout.postgres_url}/postgres", isolation_level="AUTOCOMMIT", future=True)
    try:
        with engine.connect() as db:
            for kind in DATABASES:
                name = make_url(layout.database_url(kind)).database
                if not db.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                    db.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def prepare_databases(env: Mapping[str, str]) -> None:
    """Bring the knowledge and ticket databases to this version's schema and load the knowledge if empty."""
    from bot.handoffs.tickets import open_handoffs
    from bot.knowledge.store import open_store

    settings = load_settings(env)
    open_store(settings).engine.dispose()
    open_handoffs(settings.handoff_db_url).engine.dispose()


@dataclass
class Member:
    """One process of the cluster and how to start it again."""

    name: str
    command: list[str]
    health_url: str
    process: subprocess.Popen | None = None


class Periodic:
    """Starts each job when its time comes (the first at once), never a second copy while one still runs."""

    def __init__(self, jobs: tuple[Job, ...], env: Mapping[str, str], log_dir: Path,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.jobs, self.env, self.log_dir, self.clock = jobs, dict(env), log_dir, clock
        self.next_run = {job.name: clock() for job in jobs}
        self.running: dict[str, subprocess.Popen] = {}

    def tick(self) -> list[str]:
        """Start the jobs that are due; their names. Output goes to ``<log_dir>/<job>.log``."""
        started = []
        for job in self.jobs:
            if self.clock() < self.next_run[job.name]:
                continue
            previous = self.running.get(job.name)
            if previous is not None and previous.poll() is None:
                continue  # still running: it picks up whatever is due when it gets there
            with open(self.log_dir / f"{job.name}.log", "ab") as log:
                self.running[job.name] = subprocess.Popen([sys.executable, "-m", "bot", *job.args], cwd=PROJECT_ROOT,
                                                          env=self.env, stdout=log, stderr=subprocess.STDOUT)
            self.next_run[job.name] = self.clock() + job.minutes * 60
            started.append(job.name)
        return started

    def stop(self) -> None:
        """Stop the jobs still running."""
        terminate(list(self.running.values()))


@dataclass
class Cluster:
    """The running processes, by name: haproxy, rasa1, rasa2, actions1, actions2."""

    layout: Layout
    env: dict[str, str]
    log_dir: Path
    members: dict[str, Member] = field(default_factory=dict)
    periodic: Periodic | None = None

    def launch(self, name: str) -> None:
        """Start (or start again) one member, its output appended to its log."""
        member = self.members[name]
        with open(self.log_dir / f"{name}.log", "ab") as log:
            member.process = subprocess.Popen(member.command, cwd=PROJECT_ROOT, env=self.env, stdout=log,
                                              stderr=subprocess.STDOUT)

    def start(self, *names: str, timeout: float = 300) -> None:
        """Start members together (a Rasa server loads its model for a minute), then wait for each to answer."""
        for name in names:
            self.launch(name)
        for name in names:
            member = self.members[name]
            assert member.process is not None
            wait_until_up(member.health_url, member.process, name, timeout)

    def kill(self, name: str) -> None:
        """Kill one member at once (SIGKILL: no goodbye, as a crash)."""
        process = self.members[name].process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def pid(self, name: str) -> int:
        """The process id of a running member."""
        process = self.members[name].process
        assert process is not None
        return process.pid

    def stop(self) -> None:
        """Stop every member and periodic job, politely first."""
        if self.periodic is not None:
            self.periodic.stop()
        terminate([m.process for m in self.members.values() if m.process is not None])


def plan(model: Path, layout: Layout, env: dict[str, str], log_dir: Path) -> Cluster:
    """The cluster's members and their commands, not started yet."""
    cluster = Cluster(layout, env, log_dir)
    python = sys.executable
    for n in range(1, layout.action_replicas + 1):
        port = layout.action_port(n)
        cluster.members[f"actions{n}"] = Member(
            f"actions{n}", [python, "-m", "bot.action_server", "--actions", "actions", "--port", str(port)],
            f"http://127.0.0.1:{port}/health")
    for n in range(1, layout.rasa_replicas + 1):
        port = layout.rasa_port(n)
        cluster.members[f"rasa{n}"] = Member(
            f"rasa{n}", [python, "-m", "rasa", "run", "--model", str(model), "--port", str(port), "--interface",
                         "127.0.0.1", "--endpoints", str(DEPLOY / "endpoints.yml"),
                         "--credentials", str(PROJECT_ROOT / "credentials.yml")],
            f"http://127.0.0.1:{port}/")
    cluster.members["haproxy"] = Member(
        "haproxy", ["haproxy", "-db", "-f", str(DEPLOY / "haproxy.cfg")],
        f"http://127.0.0.1:{layout.stats_port}/stats")
    return cluster


def start(model: Path, layout: Layout | None = None, log_dir: Path | None = None, token: str = "",
          extra_env: Mapping[str, str] | None = None) -> Cluster:
    """Create and migrate the databases, then start every member; all answering when this returns."""
    import secrets

    layout = layout or Layout()
    log_dir = log_dir or PROJECT_ROOT / "var" / "log" / "cluster"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = environment(layout, token or secrets.token_urlsafe(24), extra_env)
    self_signed_certificate(Path(env["TLS_CERT"]))
    create_databases(layout)
    prepare_databases(env)
    cluster = plan(model, layout, env, log_dir)
    try:
        cluster.start(*(n for n in cluster.members if n != "haproxy"))
        cluster.start("haproxy", timeout=20)
        wait_until_served(layout)
        cluster.periodic = Periodic(JOBS, env, log_dir)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def self_signed_certificate(path: Path, days: int = 30) -> Path:
    """A self-signed certificate for localhost and 127.0.0.1 with its key, in one PEM file as HAProxy reads it.

    Made when missing or within a day of expiring; production uses the operator's certificate
    (docs/security.md).
    """
    openssl = shutil.which("openssl") or "openssl"
    if path.exists() and subprocess.run([openssl, "x509", "-checkend", "86400", "-noout", "-in", str(path)],
                                        capture_output=True, check=False).returncode == 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        key, cert = Path(folder) / "key.pem", Path(folder) / "cert.pem"
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(days),
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(cert)], capture_output=True, check=True)
        path.touch(mode=0o600)
        path.write_bytes(cert.read_bytes() + key.read_bytes())
    return path


def wait_until_served(layout: Layout, timeout: float = 30) -> None:
    """Wait until HAProxy has found both Rasa servers healthy (its checks run every second)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            rows = requests.get(f"http://127.0.0.1:{layout.stats_port}/stats;csv", timeout=2).text.splitlines()
            states = [r.split(",")[17] for r in rows if r.startswith(("rasa,rasa", "actions,actions"))]
            if states and all(s == "UP" for s in states):
                return
        time.sleep(0.5)
    raise RuntimeError("HAProxy did not find every server healthy")


@contextlib.contextmanager
def running(model: Path, **kwargs) -> Iterator[Cluster]:  # type: ignore[no-untyped-def]
    """The cluster for the duration of a ``with`` block."""
    cluster = start(model, **kwargs)
    try:
        yield cluster
    finally:
        cluster.stop()
