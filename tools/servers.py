"""Start and stop the action server and the Rasa server as child processes on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

import requests

from bot.config import PROJECT_ROOT


@dataclass
class Servers:
    """The two running servers and where to reach them."""

    rasa_port: int
    action_port: int
    processes: list[subprocess.Popen] = field(default_factory=list)

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
        text = text.replace("  enable_selective_domain: true\n", f"  enable_selective_domain: true\n  token: {token}\n")
    path.write_text(text)
    return path


def start(model: Path, *, rasa_port: int = 5005, action_port: int = 5055, log_dir: Path | None = None,
          env: dict[str, str] | None = None, timeout: float = 180, enable_api: bool = False,
          tracker_db: Path | None = None) -> Servers:
    """Start both servers and wait until each answers its health check."""
    log_dir = log_dir or PROJECT_ROOT / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)  # the default SQLite tracker store lives there
    servers = Servers(rasa_port, action_port)
    environment = child_env(env)
    rasa = [sys.executable, "-m", "rasa"]
    try:
        action_log: IO[bytes] = open(log_dir / f"actions-{action_port}.log", "wb")
        servers.processes.append(subprocess.Popen(
            [sys.executable, "-m", "bot.action_server", "--actions", "actions", "--port", str(action_port)],
            cwd=PROJECT_ROOT, env=environment, stdout=action_log, stderr=subprocess.STDOUT))
        rasa_log: IO[bytes] = open(log_dir / f"rasa-{rasa_port}.log", "wb")
        command = rasa + ["run", "--model", str(model), "--port", str(rasa_port), "--interface", "127.0.0.1",
                          "--endpoints", str(endpoints_file(action_port, log_dir, tracker_db,
                                                            environment.get("ACTION_SERVER_TOKEN", ""))),
                          "--credentials", str(PROJECT_ROOT / "credentials.yml")]
        if enable_api:
            command.append("--enable-api")
        servers.processes.append(subprocess.Popen(command, cwd=PROJECT_ROOT, env=environment, stdout=rasa_log,
                                                  stderr=subprocess.STDOUT))
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
