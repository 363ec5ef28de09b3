"""deploy/haproxy.cfg as students meet it: HAProxy in front of stand-in Rasa servers, over HTTP (no model)."""

from __future__ import annotations

import http.server
import shutil
import subprocess
import threading
import time

import pytest
import requests

from tests.conftest import IN_CI, free_port
from tools import local_cluster, servers
from tools.local_cluster import DEPLOY


class Backend(http.server.BaseHTTPRequestHandler):
    """A Rasa server stand-in: 200 and an empty list of messages for everything."""

    protocol_version = "HTTP/1.1"

    def answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"[]")

    do_GET = do_POST = answer

    def log_message(self, *_: object) -> None:
        pass


class Quiet(http.server.ThreadingHTTPServer):
    def handle_error(self, *_: object) -> None:  # HAProxy's health checks close without a request
        pass


FRONT_ENV: dict[str, str] = {}  # the environment HAProxy runs with


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    if shutil.which("haproxy") is None:
        message = "HAProxy is not installed (make haproxy)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    backends = [Quiet(("127.0.0.1", 0), Backend) for _ in range(4)]
    for server in backends:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports = [s.server_address[1] for s in backends]
    layout = local_cluster.Layout(base_port=free_port())
    env = local_cluster.environment(layout, token="secret", extra={
        "RASA_BIND": f"127.0.0.1:{free_port()}", "ACTIONS_BIND": f"127.0.0.1:{free_port()}",
        "HAPROXY_STATS_BIND": f"127.0.0.1:{free_port()}", "STUDENT_RATE_LIMIT": "20",
        "RASA_TLS_BIND": f"127.0.0.1:{free_port()}",
        "TLS_CERT": str(local_cluster.self_signed_certificate(tmp_path_factory.mktemp("tls") / "assistant.pem")),
        "RASA_1": f"127.0.0.1:{ports[0]}", "RASA_2": f"127.0.0.1:{ports[1]}",
        "ACTIONS_1": f"127.0.0.1:{ports[2]}", "ACTIONS_2": f"127.0.0.1:{ports[3]}"})
    log = open(tmp_path_factory.mktemp("haproxy") / "haproxy.log", "wb")
    process = subprocess.Popen(["haproxy", "-db", "-f", str(DEPLOY / "haproxy.cfg")], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    url = f"http://{env['RASA_BIND']}"
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # up, and both stand-ins found healthy
            try:
                if requests.get(url + "/", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        time.sleep(2.5)
        FRONT_ENV.update(env)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        for server in backends:
            server.shutdown()


def chunked_post(url: str, megabytes: int) -> tuple[int, float]:
    """POST a chunked body of ``megabytes`` MB, 64 KB a chunk; the status and the seconds until refused."""
    host, port = url.removeprefix("http://").split(":")
    status, _, seconds = servers.chunked_post(host, int(port), megabytes=megabytes, timeout=10)
    return status, seconds


def test_haproxy_refuses_an_endless_chunked_body_before_reading_it(front) -> None:
    status, seconds = chunked_post(front, 100)
    assert status == 413 and seconds < 5
    pieces = iter([b'{"sender": "abcdefgh", ', b'"message": "hi"}'])
    small = requests.post(front + "/webhooks/rest/webhook", data=pieces, timeout=10,
                          headers={"Content-Type": "application/json"})
    assert small.status_code == 200, "a small chunked message still passes"
    huge = requests.post(front + "/webhooks/rest/webhook", data=b"x" * 2_000_000, timeout=10)
    assert huge.status_code == 413


def test_students_reach_the_assistant_over_https(front) -> None:
    https = f"https://{FRONT_ENV['RASA_TLS_BIND']}"
    answer = requests.post(https + "/webhooks/rest/webhook", json={"sender": "abcdefgh", "message": "hi"},
                           timeout=10, verify=FRONT_ENV["TLS_CERT"])  # the self-signed certificate is the CA
    assert answer.status_code == 200 and answer.headers["strict-transport-security"] == "max-age=31536000"
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(https + "/", timeout=10)  # not trusted without it: a browser warns about a self-signed one
    plain = requests.get(front + "/", timeout=10)
    assert plain.status_code == 200 and "strict-transport-security" not in plain.headers


def test_responses_name_no_backend(front) -> None:
    answer = requests.post(front + "/webhooks/rest/webhook", json={"sender": "abcdefgh", "message": "hi"}, timeout=10)
    assert answer.status_code == 200 and "x-replica" not in {h.lower() for h in answer.headers}
    assert not any("rasa1" in v or "rasa2" in v for v in answer.headers.values())


def test_haproxy_limits_requests_per_client_address(front) -> None:
    time.sleep(10)  # the other tests' requests leave the 10 s window
    statuses = [requests.post(front + "/webhooks/rest/webhook", json={"sender": f"flood-{n:04d}", "message": "hi"},
                              timeout=10).status_code for n in range(30)]
    # HAProxy's rate is a sliding estimate over 10 s: the earlier tests' requests weigh in a little.
    assert statuses[:10] == [200] * 10 and statuses.count(200) <= 20 and statuses[-5:] == [429] * 5
