"""`python -m tools serve` (make run) keeps both servers running: a crashed one is started again, with backoff."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port, require_model
from tools import servers


def test_a_crashed_server_is_started_again_after_a_backoff_that_doubles(tmp_path) -> None:
    running = servers.Servers(5005, 5055, env={})
    crashing = [sys.executable, "-c", "raise SystemExit(3)"]
    running.launch(crashing, "action server", tmp_path / "actions.log")
    running.processes[0].wait()
    said = running.restart_crashed(now=100.0)
    assert said == ["The action server stopped (exit code 3); starting it again in 1 s. "
                    f"Its log: {tmp_path}/actions.log"]
    assert running.restart_crashed(now=100.5) == [], "not before its backoff"
    first = running.processes[0]
    assert running.restart_crashed(now=101.0)[0].startswith("The action server started again (pid ")
    assert running.processes[0] is not first
    running.processes[0].wait()
    assert "starting it again in 2 s" in running.restart_crashed(now=102.0)[0], "crashes in a row wait longer"
    for now in range(103, 400):
        running.restart_crashed(now=float(now))
        running.processes[0].wait()
    assert running.restarts[0].backoff == servers.MAX_BACKOFF


def test_a_server_that_stays_up_has_its_backoff_reset(tmp_path) -> None:
    running = servers.Servers(5005, 5055, env={})
    running.launch([sys.executable, "-c", "import time; time.sleep(30)"], "Rasa server", tmp_path / "rasa.log")
    running.restarts[0].backoff, running.restarts[0].started = 16.0, time.monotonic()
    try:
        assert running.restart_crashed(now=time.monotonic() + servers.STABLE_AFTER + 1) == []
        assert running.restarts[0].backoff == servers.FIRST_BACKOFF
    finally:
        servers.stop(running)


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


@pytest.mark.model
@pytest.mark.servers
def test_make_run_survives_the_action_server_crashing_and_never_answers_with_silence(tmp_path) -> None:
    require_model()
    port, action_port = free_port(), free_port()
    log = open(tmp_path / "serve.log", "wb")
    serve = subprocess.Popen([sys.executable, "-m", "tools", "serve", "--port", str(port), "--action-port",
                              str(action_port)], env=servers.child_env(), cwd=servers.PROJECT_ROOT, stdout=log,
                             stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"

    def ask(sender: str) -> str:
        answer = requests.post(url, json={"sender": sender, "message": "how long is the MLS?"}, timeout=60)
        assert answer.status_code == 200
        return " ".join(m.get("text") or "" for m in answer.json())

    try:
        servers.wait_until_up(f"http://127.0.0.1:{port}/", serve, "tools serve", 240)
        assert "calendar years" in ask("crash-test-1")
        actions = next(p for p in children(serve.pid) if "bot.action_server" in command_line(p))
        os.kill(actions, signal.SIGKILL)
        time.sleep(0.5)
        apology = ask("crash-test-2")
        assert "Sorry, I can't answer that just now" in apology and "301-405-2038" in apology, apology
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and "calendar years" not in ask("crash-test-3"):
            time.sleep(2)
        assert "calendar years" in ask("crash-test-4"), "the action server was started again"
        assert serve.poll() is None, "the Rasa server kept running"
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "The action server stopped (exit code -9); starting it again in 1 s" in output
    assert "The action server started again" in output
