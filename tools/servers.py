"""Start and stop the action server and the Rasa server as child processes on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import requests

from bot.config import PROJECT_ROOT

FIRST_BACKOFF = 1.0  # seconds before a crashed server is started again; doubled for each crash in a row
MAX_BACKOFF = 30.0
STABLE_AFTER = 60.0  # a server that ran this long since its last start has its backoff reset


@dataclass
class Restart:
    """How one server is started again after a crash: its command, log, and the backoff of crashes in a row."""

    name: str
    command: list[str]
    log: Path
    backoff: float = FIRST_BACKOFF
    due: float | None = None  # when it is to be started again
    started: float = field(default_factory=time.monotonic)


@dataclass
class Servers:
    """The two running servers and where to reach them."""

    rasa_port: int
    action_port: int
    processes: list[subprocess.Popen] = field(default_factory=list)
    restarts: list[Restart] = field(default_factory=list)  # one per process, in the same order
    env: dict[str, str] = field(default_factory=dict)

    def launch(self, command: list[str], name: str, log: Path) -> subprocess.Popen:
        """Start one server, its output appended to ``log``, and remember how to start it again."""
        with open(log, "ab") as out:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(process)
        self.restarts.append(Restart(name, command, log))
        return process

    def restart_crashed(self, now: float | None = None) -> list[str]:
        """Start again every server that stopped, after its backoff (1 s, doubling to 30 s); what was done, in words.

        Under `make run` one crashed server used to stop both: every student got "connection refused".
        """
        now = time.monotonic() if now is None else now
        said = []
        for n, (process, restart) in enumerate(zip(self.processes, self.restarts)):
            if process.poll() is None:
                if now - restart.started >= STABLE_AFTER:
                    restart.backoff = FIRST_BACKOFF
                continue
            if restart.due is None:
                restart.due = now + restart.backoff
                said.append(f"The {restart.name} stopped (exit code {process.returncode}); starting it again in "
                            f"{restart.backoff:.0f} s. Its log: {restart.log}")
            elif now >= restart.due:
                with open(restart.log, "ab") as out:
                    self.processes[n] = subprocess.Popen(restart.command, cwd=PROJECT_ROOT, env=self.env,
                                                         stdout=out, stderr=subprocess.STDOUT)
                restart.due, restart.started = None, now
                restart.backoff = min(restart.backoff * 2, MAX_BACKOFF)
                said.append(f"The {restart.name} started again (pid {self.processes[n].pid}).")
        return said

    @property
    def rest_url(self) -> str:
        """The REST channel's webhook."""
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def say(self, sender: str, message: str, timeout: float = 30) -> list[dict]:
        """Send one message over REST and return the bot's messages."""
        response = requests.post(self.rest_url, json={"sender": sender, "message": message}, timeout=timeout)
        response.raise_for_status()
        return response.json()


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the servers: quiet TensorFlow, no telemetry, the project importable."""
    env = dict(os.environ)
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def wait_until_up(url: str, process: subprocess.Popen, name: str, timeout: float) -> None:
    """Poll ``url`` until it answers; fail early if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode} while starting")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).ok:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f} s")


def endpoints_file(action_port: int, directory: Path, tracker_db: Path | None = None, token: str = "") -> Path:
    """The repository's endpoints.yml, or a copy for another action port, tracker database or token."""
    if action_port == 5055 and tracker_db is None and not token:
        return PROJECT_ROOT / "endpoints.yml"
    path = directory / f"endpoints-{action_port}.yml"
    text = (PROJECT_ROOT / "endpoints.yml").read_text().replace("127.0.0.1:5055", f"127.0.0.1:{action_port}")
    if tracker_db is not None:
        text = text.replace("db: var/tracker.db", f"db: {tracker_db}")
    if token:
        text = text.replace("  enable_selective_domain: true\n", "  enable_selective_domain: true\n  headers:\n"
                            f"    Authorization: Bearer {token}\n")
    path.write_text(text)
    return path


def start(model: Path, *, rasa_port: int = 5005, action_port: int = 5055, log_dir: Path | None = None,
          env: dict[str, str] | None = None, timeout: float = 180, enable_api: bool = False,
          tracker_db: Path | None = None) -> Servers:
    """Start both servers and wait until each answers its health check."""
    log_dir = log_dir or PROJECT_ROOT / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)  # the default SQLite tracker store lives there
    environment = child_env(env)
    servers = Servers(rasa_port, action_port, env=environment)
    rasa = [sys.executable, "-m", "rasa"]
    try:
        action_log = log_dir / f"actions-{action_port}.log"
        action_log.write_bytes(b"")
        servers.launch([sys.executable, "-m", "bot.action_server", "--actions", "actions", "--port", str(action_port)],
                       "action server", action_log)
        rasa_log = log_dir / f"rasa-{rasa_port}.log"
        rasa_log.write_bytes(b"")
        command = rasa + ["run", "--model", str(model), "--port", str(rasa_port), "--interface", "127.0.0.1",
                          "--endpoints", str(endpoints_file(action_port, log_dir, tracker_db,
                                                            environment.get("ACTION_SERVER_TOKEN", ""))),
                          "--credentials", str(PROJECT_ROOT / "credentials.yml")]
        if enable_api:
            command.append("--enable-api")
        servers.launch(command, "Rasa server", rasa_log)
        wait_until_up(f"http://127.0.0.1:{action_port}/health", servers.processes[0], "action server", timeout)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", servers.processes[1], "Rasa server", timeout)
    except BaseException:
        stop(servers)
        raise
    return servers


def stop(servers: Servers) -> None:
    """Stop both servers, politely first."""
    terminate(servers.processes)


def terminate(processes: list[subprocess.Popen]) -> None:
    """Stop child processes: SIGTERM to all, then SIGKILL to any still running after 20 s."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running(model: Path, **kwargs) -> Iterator[Servers]:  # type: ignore[no-untyped-def]
    """Both servers for the duration of a ``with`` block."""
    servers = start(model, **kwargs)
    try:
        yield servers
    finally:
        stop(servers)


def chunked_post(host: str, port: int, path: str = "/webhooks/rest/webhook", megabytes: int = 100,
                 timeout: float = 60.0) -> tuple[int, int, float]:
    """POST a chunked body of up to ``megabytes`` MB, 64 KB a chunk: (status, bytes sent before it, seconds).

    The status is 0 when no HTTP answer came (connection refused or cut before one).
    """
    began, sent = time.monotonic(), 0
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n".encode())
            chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"
            try:
                for _ in range(megabytes * 16):
                    s.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # refused and closed while sending: the answer is waiting
            answer = s.recv(200)
        return int(answer.split()[1]), sent, time.monotonic() - began
    except (OSError, ValueError, IndexError):
        return 0, sent, time.monotonic() - began
