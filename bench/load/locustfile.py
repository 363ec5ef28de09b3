"""Simulated students for `make loadtest`: multi-turn conversations over REST, each with its own sender.

Runs under locust in its own virtual environment (.venv-load: locust's pins clash with rasa's), so it
imports nothing from the project. Every turn is written to LOAD_LOG (JSON lines) for the checks that
follow the run: each acknowledged message once and in order in the tracker store, the bot's replies
the same there as here, and context kept when consecutive turns land on different replicas.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid

from locust import HttpUser, between, task

RUN = os.environ.get("LOAD_RUN", "run")
LOG = open(os.environ.get("LOAD_LOG", "load-turns.jsonl"), "a", buffering=1)  # noqa: SIM115 - lives with the process

# Conversations a prospective student might have. A turn's pattern, when given, must match the reply:
# those turns only make sense with the conversation's earlier turns (the context must survive a
# change of replica).
CONVERSATIONS = [
    [("hi", None), ("how long does the online MLS take?", None), ("do I have to come to campus?", None),
     ("thanks!", None)],
    [("what specializations does the MIM offer?", None), ("and for the MLS?", r"School Library"),
     ("who do I contact about admissions?", None)],
    [("what courses will I take each semester?", None), ("MIM", r"INST \d"), ("when are the info sessions?", None)],
    [("what's the difference between online and on campus?", None), ("what technology do I need?", None),
     ("how much is tuition?", r"(?i)don.t have"), ("bye", None)],
    [("is there a field study?", None), ("what courses will I take each semester?", None), ("MLS", r"LBSC \d")],
]
_next = itertools.count()


class Student(HttpUser):
    """One student after another: a conversation, then a new one with a new sender id."""

    wait_time = between(1, 3)

    @task
    def converse(self) -> None:
        script = CONVERSATIONS[next(_next) % len(CONVERSATIONS)]
        sender = f"load-{RUN}-{uuid.uuid4().hex[:12]}"
        for index, (text, expected) in enumerate(script):
            if not self._turn(sender, index, text, expected):
                return  # a conversation that went wrong is not continued
            time.sleep(random.uniform(0.5, 2.0))  # reading the answer

    def _turn(self, sender: str, index: int, text: str, expected: str | None) -> bool:
        started = time.time()
        with self.client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text},
                              name="turn", catch_response=True, timeout=90) as response:
            status = response.status_code
            replies: list[str] = []
            problem = ""
            if status == 200:
                try:
                    replies = [m.get("text") or "" for m in response.json()]
                except ValueError:
                    problem = "reply is not JSON"
                if not problem and not any(r.strip() for r in replies):
                    problem = "no reply (silence)"
                elif not problem and expected and not re.search(expected, " ".join(replies)):
                    problem = "context lost"
            else:
                problem = f"HTTP {status}"
            if problem:
                response.failure(problem)
            else:
                response.success()
            LOG.write(json.dumps({"sender": sender, "index": index, "text": text, "status": status,
                                  "replies": replies, "started": started, "seconds": time.time() - started,
                                  "replica": response.headers.get("X-Replica", ""), "problem": problem}) + "\n")
            return not problem
