"""Hostile input against every public endpoint of the Rasa server: N requests, no 5xx, memory watched.

    .venv/bin/python bench/hostile.py                   # starts both servers on free loopback ports
    .venv/bin/python bench/hostile.py --base-url http://127.0.0.1:PORT --pid PID --pid PID

Each request is drawn from a seeded mix: empty and 3 MB bodies, invalid UTF-8, control characters and
NULs, markup, SQL, 10,000-level JSON, wrong content types and JSON types, huge metadata, long sender ids,
unicode oddities (RTL override, zero width, lone surrogates), path traversal in calendar ids, Slack
requests unsigned, stale, forged or signed with retries, URL verification and non-event payloads. Every
1,000 requests an ordinary question over REST must get an answer, and the resident memory (VmRSS) of the
watched processes is read (first after one warm-up question). Prints one table; exits 1 on any 5xx,
timeout, connection error or failed answer. Started by itself, the servers use a fake Slack Web API
(tests/fake_slack.py), a signing secret of their own and fresh databases under --workdir, where their
logs stay.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import random
import secrets
import shutil
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_settings  # noqa: E402
from bot.knowledge import files  # noqa: E402
from tools import servers  # noqa: E402

QUESTION = "Do I need to visit campus for the MLS?"
BIG = 3 * 1024 * 1024
DEEP = 10_000
CLASSES = ("2xx", "3xx", "4xx", "5xx", "timeout", "conn error")

# Texts a user may type; each is wrapped in well-formed bodies too, so it reaches the NLU and the trackers.
TEXTS = [
    "<script>alert(document.cookie)</script>", '"><img src=x onerror=alert(1)>', "</script><script>fetch('//x')",
    "'; DROP TABLE events; --", "1' OR '1'='1", 'Robert"); DROP TABLE students;--', "%s%s%s%n %x {0} ${jndi:x}",
    "a\x00b\x00c", "\x00" * 50, "".join(map(chr, range(1, 32))) + "\x7f\x85", "line\r\nX-Injected: 1",
    "\u202eplh\u202c how many credits?", "\u200b\u200c\u200d\ufeff", "how\u200b many\u200b credits",
    "\ud800 lone surrogate \udfff", "\udbff\udfff\ud83d", "Z\u0351\u0352\u0357\u0358" * 200, "\U0001F600" * 1000,
    "\uff0fcrisis", "/crisis", "/request_human", '/follow_up{"program": "' + "A" * 1000 + '"}', "/faq/../../etc",
    "\u2028\u2029\x1b[31mred", "A" * 2000, "word " * 400, "x" * 2001, "\U000E0041" * 100, "ﷺ" * 300,
    "how long is the MLS?", "what about the MIM?", "  ",
]
TYPE_ODDITIES = [42, -1.5e308, [], ["a", "b"], None, {}, {"text": "hi"}, True]


@dataclass
class Probe:
    """One request: the table row it counts in, what is hostile about it, and the raw request."""

    endpoint: str
    kind: str
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def as_json(value: object) -> bytes:
    return json.dumps(value).encode()  # ASCII: lone surrogates become "\\ud800" escapes


def nested(rng: random.Random, depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth if rng.random() < 0.5 else '{"a":' * depth + "1" + "}" * depth


class Mix:
    """Seeded hostile requests for each public endpoint."""

    def __init__(self, seed: int, slack_secret: str, session_ids: list[str], slack: bool = True,
                 webchat_senders: list[str] | None = None) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.slack_secret = slack_secret
        self.session_ids = session_ids or ["0" * 16]
        self.senders = [f"hostile-{seed}-{n:04d}" for n in range(300)]
        # The web chat talks only under ids it issued: most of its probes use some, the rest are refused (403).
        self.webchat_senders = (webchat_senders or []) + self.senders[:5]
        self.noise = self.rng.randbytes(BIG)  # 3 MB of random bytes, drawn once
        self.endpoints = [(self.rest, 24), (self.webchat, 18), (self.slack, 24 if slack else 0), (self.calendar, 10),
                          (self.root, 4), (self.pages, 6), (self.preflight, 3), (self.health, 4), (self.other, 7)]

    def next(self) -> Probe:
        makers, weights = zip(*self.endpoints)
        return self.rng.choices(makers, weights)[0]()

    # -- JSON message endpoints (REST, web chat) --------------------------------------------------------

    def message_body(self, senders: list[str] | None = None) -> tuple[str, bytes, dict[str, str]]:
        """A hostile body for a {"sender", "message"} endpoint: (kind, body, headers)."""
        rng, sender = self.rng, self.rng.choice(senders or self.senders)
        json_type = {"content-type": "application/json"}
        kind = rng.choice(["text", "text", "text", "text", "empty", "3 MB", "invalid UTF-8", "raw NUL",
                           "nested JSON", "content type", "metadata", "wrong types", "long sender", "not object",
                           "NaN", "duplicate keys", "UTF-16", "extra fields"])
        if kind == "text":
            return kind, as_json({"sender": sender, "message": rng.choice(TEXTS)}), json_type
        if kind == "empty":
            return kind, b"", rng.choice([json_type, {}])
        if kind == "3 MB":
            body = rng.choice([b"A" * BIG, as_json({"sender": sender, "message": "A" * BIG}),
                               as_json({"sender": "s" * BIG, "message": "hi"}), self.noise])
            return kind, body, json_type
        if kind == "invalid UTF-8":
            return kind, b'{"sender": "' + sender.encode() + b'", "message": "caf\xc3\x28 \xff\xfe\xed\xa0\x80"}', \
                json_type
        if kind == "raw NUL":
            return kind, b'{"sender": "' + sender.encode() + b'", "message": "a\x00b"}\x00', json_type
        if kind == "nested JSON":
            deep = nested(rng)
            body = rng.choice([deep, f'{{"sender": "{sender}", "message": {deep}}}',
                               f'{{"sender": {deep}, "message": "hi"}}'])
            return kind, body.encode(), json_type
        if kind == "content type":
            body = rng.choice([as_json({"sender": sender, "message": "how long is the MLS?"}),
                               urlencode({"sender": sender, "message": "hi"}).encode(), b"<xml>hi</xml>"])
            return kind, body, {"content-type": rng.choice(["text/plain", "application/xml", "multipart/form-data",
                                                            "application/x-www-form-urlencoded", "image/png",
                                                            "application/json; charset=latin-1", "\x7f"])}
        if kind == "metadata":
            size = rng.choice([40_000, 1_000_000])
            metadata = {f"k{i}": "x" * 90 for i in range(size // 100)}
            if rng.random() < 0.3:
                metadata = {"a": json.loads(nested(rng, 500))}
            return kind, as_json({"sender": sender, "message": "hi", "metadata": metadata}), json_type
        if kind == "wrong types":
            body = rng.choice([{"sender": sender, "message": rng.choice(TYPE_ODDITIES)},
                               {"sender": rng.choice(TYPE_ODDITIES), "message": "hi"},
                               {"sender": rng.choice(TYPE_ODDITIES), "message": rng.choice(TYPE_ODDITIES)}])
            return kind, as_json(body), json_type
        if kind == "long sender":
            return kind, as_json({"sender": "s" * rng.choice([129, 10_000, 60_000]), "message": "hi"}), json_type
        if kind == "not object":
            return kind, rng.choice([b"[]", b'"text"', b"42", b"null", b"true", b"{", b"}", b"\xef\xbb\xbf{}"]), \
                json_type
        if kind == "NaN":
            number = rng.choice(["NaN", "Infinity", "1e999"])
            return kind, f'{{"sender": "{sender}", "message": {number}}}'.encode(), json_type
        if kind == "duplicate keys":
            body = f'{{"sender": "{sender}", "message": "hi", "sender": {{"x": 1}}, "message": "x"}}'
            return kind, body.encode(), json_type
        if kind == "UTF-16":
            return kind, json.dumps({"sender": sender, "message": "hi"}).encode("utf-16"), json_type
        extra = {"sender": sender, "message": "hi", "input_channel": "slack", "customData": {"x": 1},
                 "sender_id": "slack:U1_C1_1.0", "metadata": None}
        return "extra fields", as_json(extra), json_type

    def rest(self) -> Probe:
        kind, body, headers = self.message_body()
        return Probe("POST /webhooks/rest/webhook", kind, "POST", "/webhooks/rest/webhook", body, headers)

    def webchat(self) -> Probe:
        kind, body, headers = self.message_body(self.webchat_senders)
        origin = self.rng.choice([None, None, "null", "https://evil.example", "http://127.0.0.1", "x" * 4000])
        if origin is not None:
            headers = {**headers, "origin": origin}
        return Probe("POST /webhooks/webchat/webhook", kind, "POST", "/webhooks/webchat/webhook", body, headers)

    def preflight(self) -> Probe:
        origin = self.rng.choice(["https://evil.example", "null", "", "https://ischool.umd.edu", "\u202e" * 10])
        headers = {"origin": origin.encode("utf-8").decode("latin-1"), "access-control-request-method": "POST",
                   "access-control-request-headers": self.rng.choice(["content-type", "x-" + "a" * 3000])}
        return Probe("OPTIONS /webhooks/webchat/webhook", "preflight", "OPTIONS", "/webhooks/webchat/webhook",
                     headers=headers)

    # -- Slack ----------------------------------------------------------------------------------------------

    def sign(self, body: bytes, *, age: int = 0, secret: str | None = None) -> dict[str, str]:
        stamp = str(int(time.time()) - age)
        base = b"v0:" + stamp.encode() + b":" + body
        digest = hmac.new((secret or self.slack_secret).encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}

    def slack_event(self, **event: object) -> dict:
        rng = self.rng
        base = {"type": rng.choice(["app_mention", "message"]), "user": f"U{rng.randrange(10**8):08d}",
                "text": "<@U0BOT> " + rng.choice(TEXTS), "channel": rng.choice(["C0PROGRAMS", "D0DIRECT"]),
                "channel_type": rng.choice(["channel", "im"]), "ts": f"{time.time() + rng.random():.6f}"}
        return {"type": "event_callback", "event_id": f"Ev{rng.randrange(10**10)}",
                "authorizations": [{"user_id": "U0BOT"}], "event": {**base, **event}}

    def slack(self) -> Probe:
        rng, json_type = self.rng, {"content-type": "application/json"}
        kind = rng.choice(["unsigned", "stale", "future", "forged", "bad headers", "event", "event", "event",
                           "retry", "url_verification", "non-event", "wrong types", "wrong types", "interaction",
                           "interaction", "signed junk", "content type"])
        body, headers, sign = as_json(self.slack_event()), dict(json_type), True
        if kind == "unsigned":
            body, sign = rng.choice([body, b"", b"A" * BIG]), False
        elif kind == "stale":
            headers.update(self.sign(body, age=rng.choice([301, 3600, 10**6])))
            sign = False
        elif kind == "future":
            headers.update(self.sign(body, age=-rng.choice([301, 10**8])))
            sign = False
        elif kind == "forged":
            headers.update(self.sign(body, secret=rng.choice(["", "guess", self.slack_secret + "x"])))
            sign = False
        elif kind == "bad headers":
            headers.update(self.sign(body))
            headers[rng.choice(["X-Slack-Request-Timestamp", "X-Slack-Signature"])] = rng.choice(
                ["", "abc", "9" * 60, "-1", "1e9", "1 2", "v0=", "v1=" + "0" * 64, "v0=" + "g" * 64, "1\t2", "0x10",
                 "v0=" + "a" * 6000])
            sign = False
        elif kind == "retry":
            headers.update({"X-Slack-Retry-Num": rng.choice(["1", "2", "-1", "x" * 100, ""]),
                            "X-Slack-Retry-Reason": rng.choice(["http_timeout", "http_error", "", "\u202e"])
                            .encode("utf-8").decode("latin-1")})
        elif kind == "url_verification":
            challenge = rng.choice(["c-123", "x" * 100_000, 42, None, {"a": 1}, ["x"], "<script>"])
            body = as_json({"type": "url_verification", "token": "t", "challenge": challenge}
                           if rng.random() < 0.8 else {"type": "url_verification"})
        elif kind == "non-event":
            body = as_json(rng.choice([
                {"type": "app_rate_limited", "minute_rate_limited": 1}, {"type": "event_callback"},
                {"type": "event_callback", "event": rng.choice(["hi", [], None, 42, {}])},
                self.slack_event(type="reaction_added"), self.slack_event(bot_id="B1"), self.slack_event(text=""),
                self.slack_event(subtype="message_changed"), {}, [], "text", 42, None, True,
                {"type": rng.choice(TYPE_ODDITIES)}]))
        elif kind == "wrong types":
            name = rng.choice(["text", "user", "channel", "ts", "thread_ts", "type", "channel_type", "authorizations"])
            value = rng.choice(TYPE_ODDITIES + ["x" * 100_000])
            payload = self.slack_event() if name == "authorizations" else self.slack_event(**{name: value})
            if name == "authorizations":
                payload["authorizations"] = rng.choice([None, "U0BOT", [], [42], [{"user_id": ["x"]}], {}])
            body = as_json(payload)
        elif kind == "interaction":
            body, headers = self.slack_interaction()
        elif kind == "signed junk":
            body = rng.choice([b"", b"A" * BIG, nested(rng).encode(), b'{"type": "event_callback", "x": "\xff\xfe"}',
                               b'{"event": {"text": "\x00"}}\x00', "\ud800".encode("utf-8", "surrogatepass")])
        else:  # content type
            headers = {"content-type": rng.choice(["text/plain", "", "multipart/form-data; boundary=x",
                                                   "application/json;;;", "APPLICATION/JSON", "application/xml"])}
        if sign:
            headers.update(self.sign(body))
        return Probe("POST /webhooks/slack/webhook", kind, "POST", "/webhooks/slack/webhook", body, headers)

    def slack_interaction(self) -> tuple[bytes, dict[str, str]]:
        rng = self.rng
        action = {"type": "button", "value": rng.choice(TEXTS + ["/affirm", "/faq/credits"]),
                  "action_ts": f"{time.time() + rng.random():.6f}"}
        payload: object = {"type": "block_actions", "user": {"id": f"U{rng.randrange(10**8)}"},
                           "channel": {"id": "C0PROGRAMS"}, "trigger_id": str(rng.randrange(10**12)),
                           "message": {"ts": "1.0"}, "actions": [action]}
        variant = rng.choice(["ok", "ok", "actions", "user", "channel", "not JSON", "missing", "type"])
        if variant == "actions":
            payload["actions"] = rng.choice([[], [42], [{}], "x", None, [{"type": "button", "value": ["x"]}],
                                             [{"type": "static_select", "selected_option": "x"}],
                                             [{"type": "select", "selected_options": []}]])
        elif variant in ("user", "channel", "type"):
            payload[variant] = rng.choice(TYPE_ODDITIES)
        elif variant == "missing":
            return urlencode({"other": "x"}).encode(), {"content-type": "application/x-www-form-urlencoded"}
        raw = "{not json" if variant == "not JSON" else json.dumps(rng.choice([payload, payload, [], 42, None]))
        return urlencode({"payload": raw}).encode(), {"content-type": "application/x-www-form-urlencoded"}

    # -- calendar files, pages, health routes, everything else ---------------------------------------------

    def calendar(self) -> Probe:
        rng = self.rng
        name = rng.choice([
            self.rng.choice(self.session_ids) + ".ics", "0123456789abcdef.ics", "../../../../etc/passwd",
            "..%2F..%2F..%2F..%2Fetc%2Fpasswd", "..%2F..%2Fcredentials.yml%00.ics", "%2e%2e%2f%2e%2e%2fendpoints.yml",
            "....%2F%2F....%2F%2Fetc%2Fpasswd.ics", "%00.ics", "abc%00def.ics", "%ff%fe.ics", "%C0%AE%C0%AE%2F.ics",
            "a" * rng.choice([200, 5000, 20_000]) + ".ics", quote("١٢٣٤") + ".ics", quote("1' OR '1'='1") + ".ics",
            quote("<script>alert(1)</script>") + ".ics", ".ics", "x.ICS", "x.ics.ics", "%E2%80%AEscf.ics",
            quote("\ud800", errors="surrogatepass") + ".ics", "x.ics?uid=../../etc/passwd", "x.ics#frag"])
        method = rng.choice(["GET"] * 8 + ["POST", "HEAD", "DELETE"])
        return Probe("GET /webhooks/calendar/sessions/<id>.ics", "calendar id", method,
                     "/webhooks/calendar/sessions/" + name)

    def hostile_headers(self) -> dict[str, str]:
        rng = self.rng
        return rng.choice([{}, {"host": "evil.example"}, {"accept": "\x7f" * 100}, {"x-big": "a" * 7000},
                           {"accept": rng.choice(["a", "text/html;q=2", "text/html;value=1", "*/*;q=x"])},
                           {"range": "bytes=999999-"}, {"if-none-match": "*" * 500}, {"cookie": "a=" + "b" * 4000},
                           {"content-type": "application/json"}])

    def root(self) -> Probe:
        query = self.rng.choice(["", "?" + "a=" * 2000, "?x=%ff%00", "?q=<script>"])
        return Probe("GET /  (Rasa's own route)", "headers/query", self.rng.choice(["GET"] * 5 + ["POST", "HEAD"]),
                     "/" + query, headers=self.hostile_headers())

    def pages(self) -> Probe:
        path = self.rng.choice(["/webhooks/webchat/", "/webhooks/webchat/widget.js", "/webhooks/webchat/widget.css"])
        query = self.rng.choice(["", "", "?v=" + "9" * 5000, "?%ff=%00", "?a[b][c]=1"])
        return Probe("GET /webhooks/webchat/ page, js, css", "headers/query", "GET", path + query,
                     headers=self.hostile_headers())

    def health(self) -> Probe:
        path = self.rng.choice(["/webhooks/rest/", "/webhooks/slack/", "/webhooks/calendar/"])
        return Probe("GET /webhooks/{rest,slack,calendar}/", "headers", "GET", path, headers=self.hostile_headers())

    def other(self) -> Probe:
        rng = self.rng
        method, path = rng.choice([
            ("GET", "/status"), ("GET", "/version"), ("POST", "/model/parse"), ("GET", "/conversations/x/tracker"),
            ("POST", "/conversations/x/messages"), ("PUT", "/model"), ("GET", "/domain"), ("POST", "/webhook"),
            ("GET", "/webhooks/rest/webhook"), ("PUT", "/webhooks/webchat/webhook"),
            ("DELETE", "/webhooks/slack/webhook"), ("GET", "/webhooks/slack/webhook"),
            ("POST", "/webhooks/webchat/widget.js"), ("GET", "/webhooks/webchat/../../"),
            ("GET", "/webhooks/webchat/..%2F..%2Fcredentials.yml"), ("GET", "/webhooks/webchat/widget.js%00.css"),
            ("GET", "/webhooks/nope/webhook"), ("GET", "/" + "a/" * 3000), ("GET", "/%ff%fe"), ("TRACE", "/"),
            ("PATCH", "/webhooks/rest/webhook"), ("GET", "//webhooks//rest//")])
        return Probe("Rasa API routes, unknown paths, wrong methods", "route", method, path,
                     rng.choice([b"", b"{}", b"A" * 1000, nested(rng).encode()]), self.hostile_headers())


class Watcher:
    """Resident memory of the watched processes, from /proc/<pid>/status."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.labels = {pid: label(pid) for pid in pids}
        self.samples: dict[int, list[float]] = {pid: [] for pid in pids}

    def sample(self) -> None:
        for pid in self.pids:
            self.samples[pid].append(rss_mb(pid))


def rss_mb(pid: int) -> float:
    """VmRSS in MB (NaN once the process is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return float("nan")
    kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return kb / 1024


def label(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return f"pid {pid} (gone)"
    if "action_server" in command or "rasa_sdk" in command or "run actions" in command:
        return f"action server ({pid})"
    return f"Rasa server ({pid})" if "rasa" in command else f"pid {pid}"


class Sender:
    """Sends probes on a small thread pool, one requests.Session per thread."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.local = threading.local()

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.session.trust_env = False
        return self.local.session

    def send(self, probe: Probe) -> str:
        """The status class of ``probe``'s answer."""
        request = requests.Request(probe.method, self.base_url + "/", headers=probe.headers, data=probe.body)
        prepared = self.session().prepare_request(request)
        prepared.url = self.base_url + probe.path  # as written: no client-side normalisation of "../"
        try:
            answer = self.session().send(prepared, timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            return "timeout"
        except requests.RequestException:
            return "conn error"
        return f"{answer.status_code // 100}xx"


def health_check(sender: Sender, number: int) -> bool:
    """An ordinary question over REST gets a non-empty answer."""
    try:
        answer = sender.session().post(f"{sender.base_url}/webhooks/rest/webhook", timeout=sender.timeout,
                                       json={"sender": f"hostile-health-{number:03d}", "message": QUESTION})
        return answer.ok and any((m.get("text") or "").strip() for m in answer.json())
    except (requests.RequestException, ValueError, AttributeError):
        return False


def run(base_url: str, watcher: Watcher, mix: Mix, total: int, workers: int, timeout: float) -> dict:
    sender = Sender(base_url, timeout)
    counts: Counter = Counter()
    failures: Counter = Counter()
    checks = []
    health_check(sender, 0)  # warm-up: the first turn loads caches and graphs
    watcher.sample()
    started = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        done = 0
        while done < total:
            probes = [mix.next() for _ in range(min(1000, total - done))]
            for probe, outcome in zip(probes, pool.map(sender.send, probes)):
                counts[probe.endpoint, outcome] += 1
                if outcome in ("5xx", "timeout", "conn error"):
                    failures[probe.endpoint, probe.kind, outcome] += 1
            done += len(probes)
            checks.append(health_check(sender, len(checks) + 1))
            watcher.sample()
            memory = ", ".join(f"{watcher.labels[p]} {watcher.samples[p][-1]:.0f} MB" for p in watcher.pids)
            print(f"{done:>6} requests, {time.monotonic() - started:6.0f} s, answer {'ok' if checks[-1] else 'FAILED'}"
                  f"{', ' + memory if memory else ''}", file=sys.stderr, flush=True)
    return {"counts": counts, "failures": failures, "checks": checks, "wall": time.monotonic() - started}


def report(result: dict, watcher: Watcher, total: int, seed: int) -> None:
    counts, checks = result["counts"], result["checks"]
    endpoints = sorted({e for e, _ in counts}, key=lambda e: -sum(counts[e, c] for c in CLASSES))
    width = max(len(e) for e in endpoints + ["endpoint"]) + 2
    print(f"Hostile input: {total} requests, seed {seed}")
    print(f"{'endpoint':<{width}}{'requests':>9}" + "".join(f"{c:>11}" for c in CLASSES))
    for endpoint in endpoints + ["total"]:
        row = [sum(counts[e, c] for e in endpoints) if endpoint == "total" else counts[endpoint, c] for c in CLASSES]
        print(f"{endpoint:<{width}}{sum(row):>9}" + "".join(f"{n:>11}" for n in row))
    if not any(e.startswith("POST /webhooks/slack/") for e in endpoints):
        print(f"{'POST /webhooks/slack/webhook':<{width}}not sent: Slack is not configured on the server")
    print(f"{'5xx in total':<{width}}{sum(counts[e, '5xx'] for e in endpoints):>9}")
    print(f"{'ordinary question answered':<{width}}{sum(checks):>9} of {len(checks)}")
    for pid in watcher.pids:
        series = watcher.samples[pid]
        since = f", {series[-1] - series[1]:+.0f} MB since the first 1,000" if len(series) > 2 else ""
        print(f"{'RSS ' + watcher.labels[pid]:<{width}}before {series[0]:.0f} MB, after {series[-1]:.0f} MB, "
              f"growth {series[-1] - series[0]:+.0f} MB{since} (max {max(series):.0f} MB)")
    print(f"{'wall time':<{width}}{result['wall']:.0f} s")
    for (endpoint, kind, outcome), n in sorted(result["failures"].items()):
        print(f"FAILED {n} x {outcome}: {endpoint} ({kind})")


def chunked_post(base_url: str, megabytes: int = 100) -> tuple[int, float, int]:
    """POST a chunked body of up to ``megabytes`` MB to REST; (status or 0, seconds, bytes sent before the end)."""
    from urllib.parse import urlsplit

    url = urlsplit(base_url)
    status, sent, seconds = servers.chunked_post(url.hostname or "127.0.0.1", url.port or 80, megabytes=megabytes)
    return status, seconds, sent


def chunked_flood(base_url: str, watcher: Watcher, posts: int = 50) -> dict:
    """``posts`` concurrent 100 MB chunked bodies: each refused quickly, the servers' memory flat."""
    watcher.sample()
    with ThreadPoolExecutor(posts) as pool:
        outcomes = list(pool.map(lambda _: chunked_post(base_url), range(posts)))
    watcher.sample()
    return {"statuses": Counter(status for status, _, _ in outcomes), "slowest": max(s for _, s, _ in outcomes),
            "most_sent": max(n for _, _, n in outcomes)}


def crisis_flood(base_url: str, posts: int = 40) -> Counter:
    """A crisis message from a new conversation id each time, as a script would send them: the statuses."""
    statuses: Counter = Counter()
    for n in range(posts):
        try:
            body = {"sender": f"flood-{secrets.token_hex(8)}-{n}", "message": "I want to kill myself"}
            answer = requests.post(f"{base_url}/webhooks/rest/webhook", json=body, timeout=60)
            statuses[answer.status_code] += 1
        except requests.RequestException:
            statuses["conn error"] += 1
    return statuses


def slack_configured(base_url: str) -> bool:
    """Whether the server's Slack channel has its token and signing secret (its health route says so)."""
    try:
        answer = requests.get(f"{base_url.rstrip('/')}/webhooks/slack/", timeout=30)
        return answer.ok and answer.json().get("status") == "ok"
    except (requests.RequestException, ValueError, AttributeError):
        return False


def webchat_senders(base_url: str, count: int = 20) -> list[str]:
    """Conversation ids the web chat issued (POST /webhooks/webchat/session)."""
    issued = []
    for _ in range(count):
        answer = requests.post(f"{base_url}/webhooks/webchat/session", timeout=10)
        if answer.status_code == 200:
            issued.append(answer.json()["sender"])
    return issued


def session_ids() -> list[str]:
    """Ids of the shipped information sessions, so some calendar requests are well-formed."""
    return [s.uid for s in files.parse_file(ROOT / "knowledge" / "info_sessions.csv").items]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--base-url", help="an already-running server (or load balancer); default: start both servers")
    parser.add_argument("--pid", type=int, action="append", default=[], help="a process to watch (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=30, help="seconds per request; a timeout is a failure")
    parser.add_argument("--slack-secret", help="the server's Slack signing secret (default: SLACK_SIGNING_SECRET)")
    parser.add_argument("--model", default=str(ROOT / "models" / "ischool.tar.gz"))
    parser.add_argument("--handoff-db-url", help="the ticket database of --base-url's servers, to count the urgent "
                        "tickets the crisis flood stored (default: servers started here)")
    parser.add_argument("--workdir", default=str(ROOT / "var" / "hostile"), help="logs and databases when started here")
    args = parser.parse_args()
    with ExitStack() as stack:
        base_url, pids = args.base_url, list(args.pid)
        secret = args.slack_secret or load_settings().slack_signing_secret or secrets.token_hex(16)
        if not base_url:
            if not Path(args.model).exists():
                print(f"No trained model at {args.model}: run `make train`.", file=sys.stderr)
                return 2
            base_url, started = start(stack, Path(args.model), Path(args.workdir), secret)
            pids = pids or started
        watcher = Watcher(pids)
        slack = slack_configured(base_url)
        if not slack:
            print("Slack is not configured on the server (its endpoint answers 503): no Slack requests are sent.",
                  file=sys.stderr)
        mix = Mix(args.seed, secret, session_ids(), slack, webchat_senders(base_url))
        result = run(base_url, watcher, mix, args.requests, args.workers, args.timeout)
        print("50 concurrent 100 MB chunked posts...", file=sys.stderr, flush=True)
        chunked = chunked_flood(base_url, watcher)
        pages_before = len(FLOOD_SLACK[0].posts()) if FLOOD_SLACK else 0
        print("A crisis flood from 40 new conversation ids, then a minute for the summary post...", file=sys.stderr,
              flush=True)
        flood_started = time.time()
        crisis = crisis_flood(base_url)
        time.sleep(max(0.0, 62 - time.time() % 60) if FLOOD_SLACK else 0)
        pages = len(FLOOD_SLACK[0].posts()) - pages_before if FLOOD_SLACK else None
        handoff_db = f"sqlite:///{Path(args.workdir) / 'handoffs.db'}" if FLOOD_SLACK else args.handoff_db_url
        stored = flood_tickets(handoff_db, flood_started) if handoff_db else None
    report(result, watcher, args.requests, args.seed)
    print(f"chunked 100 MB posts       {dict(chunked['statuses'])}, slowest refused in {chunked['slowest']:.1f} s, "
          f"at most {chunked['most_sent'] / 1e6:.1f} MB sent before it")
    print(f"crisis flood (40 senders)  {dict(crisis)}"
          + ("" if pages is None else f", staff posts {pages} (limit {load_settings().urgent_pages_per_minute} "
                                      f"a minute + summaries)")
          + ("" if stored is None else f", urgent tickets stored {stored}"))
    bad = sum(n for (_, outcome), n in result["counts"].items() if outcome in ("5xx", "timeout", "conn error"))
    bad += sum(n for status, n in chunked["statuses"].items() if status not in (413, 429))
    bad += sum(n for status, n in crisis.items() if status not in (200, 429))
    if stored is not None and stored != crisis[200]:
        bad += 1  # a ticket lost
    if pages is not None and pages > load_settings().urgent_pages_per_minute + 2:
        bad += 1
    return 1 if bad or not all(result["checks"]) else 0


FLOOD_SLACK: list = []  # the fake Slack API of servers started here, to count staff posts


def flood_tickets(handoff_db_url: str, since: float) -> int:
    """Urgent tickets stored since ``since`` in the ticket database at ``handoff_db_url``."""
    import datetime as dt

    from bot.handoffs.tickets import open_handoffs

    handoffs = open_handoffs(handoff_db_url)
    found = handoffs.list(since=dt.datetime.fromtimestamp(since, dt.timezone.utc))
    handoffs.engine.dispose()
    return sum(1 for t in found if t.urgent)


def start(stack: ExitStack, model: Path, workdir: Path, secret: str) -> tuple[str, list[int]]:
    """Both servers on free loopback ports, Slack on a fake Web API, fresh databases in ``workdir``."""
    from tests.conftest import free_port
    from tests.fake_slack import FakeSlackApi

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    api = stack.enter_context(FakeSlackApi())
    FLOOD_SLACK.append(api)
    env = {"SLACK_BOT_TOKEN": "xoxb-hostile", "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": api.url,
           "KNOWLEDGE_DB_URL": f"sqlite:///{workdir / 'knowledge.db'}",
           "HANDOFF_DB_URL": f"sqlite:///{workdir / 'handoffs.db'}", "HANDOFF_SLACK_CHANNEL": "C0STAFF",
           "MESSAGE_RATE_LIMIT": "0"}  # 10,000 requests from one address: the mix, not the limit, is under test
    stack_servers = stack.enter_context(servers.running(model, rasa_port=free_port(), action_port=free_port(),
                                                        env=env, log_dir=workdir,
                                                        tracker_db=workdir / "tracker.db"))
    print(f"Servers started (logs in {workdir})", file=sys.stderr)
    return f"http://127.0.0.1:{stack_servers.rasa_port}", [p.pid for p in reversed(stack_servers.processes)]


if __name__ == "__main__":
    sys.exit(main())
