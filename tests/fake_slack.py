"""A local stand-in for Slack's Web API: records every call and answers like Slack does."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class FakeSlackApi:
    """Serves /api/<method> on loopback; ``calls`` holds (method, token, body) tuples.

    ``answers`` are given first, one per call, as (HTTP status, JSON body, headers), e.g. a rate limit:
    ``(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})``; then every call succeeds.
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.answers: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("content-type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                method = self.path.rsplit("/", 1)[-1]
                with api._lock:
                    api.calls.append((method, self.headers.get("authorization", ""), body))
                    status, answer, headers = api.answers.pop(0) if api.answers else (
                        200, {"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}"}, {})
                reply = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSlackApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def posts(self) -> list[dict[str, Any]]:
        """Bodies of chat.postMessage calls so far."""
        with self._lock:
            return [body for method, _, body in self.calls if method == "chat.postMessage"]

    def wait_for_posts(self, count: int, timeout: float = 30) -> list[dict[str, Any]]:
        """Wait until at least ``count`` messages were posted, then a moment more for extra ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.posts()) < count:
            time.sleep(0.1)
        time.sleep(1.5)  # anything posted twice arrives in this window
        return self.posts()
