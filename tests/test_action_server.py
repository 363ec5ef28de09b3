"""The action server over HTTP: loopback only, a shared secret, bounded bodies, no echoed personal data."""

from __future__ import annotations

import subprocess
import sys
import zlib

import pytest
import requests

from tests.conftest import PROJECT_ROOT, free_port
from tools import servers

pytestmark = pytest.mark.servers
TOKEN = "s3cret-shared-with-rasa"


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    port = free_port()
    tmp = tmp_path_factory.mktemp("actions")
    env = servers.child_env({"ACTION_SERVER_TOKEN": TOKEN, "HANDOFF_DB_URL": f"sqlite:///{tmp}/handoffs.db",
                             "KNOWLEDGE_DB_URL": f"sqlite:///{tmp}/knowledge.db"})
    process = subprocess.Popen([sys.executable, "-m", "bot.action_server", "--port", str(port)], cwd=PROJECT_ROOT,
                               env=env, stdout=(tmp / "log").open("wb"), stderr=subprocess.STDOUT)
    try:
        servers.wait_until_up(f"http://127.0.0.1:{port}/health", process, "action server", 60)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (from /proc/net/tcp)."""
    found = set()
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def call(action: str, slots: dict | None = None) -> dict:
    return {"next_action": action, "sender_id": "mallory", "version": "3.6.21",
            "tracker": {"sender_id": "mallory", "slots": slots or {}, "latest_message": {"text": "x", "intent": {}},
                        "events": [], "active_loop": {}, "latest_action_name": "action_listen"},
            "domain": {}}


def test_it_listens_on_loopback_only(action_server) -> None:
    assert listening_addresses(action_server) == {"127.0.0.1"}


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_a_caller_without_the_secret_is_refused_and_nothing_runs(action_server, token, tmp_path) -> None:
    url = f"http://127.0.0.1:{action_server}/webhook" + ("" if token is None else f"?token={token}")
    reply = requests.post(url, json=call("action_crisis"), timeout=10)
    assert reply.status_code == 401 and reply.json() == {"error": "unauthorised"}


@pytest.mark.parametrize("token", ["ünïcode", "s3cret-shared-with-räsa", "\u202e"])
def test_a_non_ascii_secret_is_refused_not_an_error(action_server, token) -> None:
    reply = requests.post(f"http://127.0.0.1:{action_server}/webhook", params={"token": token},
                          json=call("action_contact"), timeout=10)
    assert reply.status_code == 401 and reply.json() == {"error": "unauthorised"}
    reply = requests.post(f"http://127.0.0.1:{action_server}/webhook", json=call("action_contact"), timeout=10,
                          headers={"Authorization": f"Bearer {token}".encode()})
    assert reply.status_code == 401


def test_the_secret_in_the_authorization_header_runs_the_action(action_server) -> None:
    reply = requests.post(f"http://127.0.0.1:{action_server}/webhook", json=call("action_contact"), timeout=30,
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert reply.status_code == 200 and reply.json()["responses"][0]["response"] == "utter_contact"
    wrong = requests.post(f"http://127.0.0.1:{action_server}/webhook?token={TOKEN}", json=call("action_contact"),
                          timeout=30, headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401, "the header is the one that counts"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "actions.example.edu"])
def test_it_refuses_to_start_on_another_address_without_a_secret(host, tmp_path) -> None:
    env = servers.child_env({"ACTION_SERVER_HOST": host, "ACTION_SERVER_TOKEN": "",
                             "KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path}/k.db"})
    try:
        done = subprocess.run([sys.executable, "-m", "bot.action_server", "--port", str(free_port())], env=env,
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the action server kept running on {host} without a secret")
    assert done.returncode == 2 and "without a shared secret" in done.stderr


def test_the_secret_runs_the_action(action_server) -> None:
    reply = requests.post(f"http://127.0.0.1:{action_server}/webhook?token={TOKEN}", json=call("action_contact"),
                          timeout=30)
    assert reply.status_code == 200
    assert reply.json()["responses"][0]["response"] == "utter_contact"


def test_a_compressed_body_cannot_expand_without_limit(action_server) -> None:
    bomb = zlib.compress(b"{" + b" " * 50_000_000 + b"}")
    assert len(bomb) < 100_000
    reply = requests.post(f"http://127.0.0.1:{action_server}/webhook?token={TOKEN}", data=bomb, timeout=30,
                          headers={"Content-Encoding": "deflate", "Content-Type": "application/json"})
    assert reply.status_code == 413


def test_an_error_never_echoes_the_request(action_server) -> None:
    body = call("action_submit_handoff", {"handoff_name": "Ada Lovelace", "handoff_contact": "ada@example.edu"})
    body["tracker"]["events"] = "not a list"  # makes the action fail inside rasa-sdk
    reply = requests.post(f"http://127.0.0.1:{action_server}/webhook?token={TOKEN}", json=body, timeout=30)
    assert reply.status_code >= 500
    assert "ada@example.edu" not in reply.text and "Ada Lovelace" not in reply.text
