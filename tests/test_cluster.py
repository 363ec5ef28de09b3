"""The cluster as `make cluster` starts it: HAProxy, two Rasa servers and two action servers on PostgreSQL and
Redis. A conversation whose turns land on different replicas keeps its context; a replica dies, the next
turns are answered by the other. (`make loadtest` does the same under load, with every fault.)"""

from __future__ import annotations

import shutil
import socket
import uuid

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import IN_CI, require_model, require_service
from tools import local_cluster

pytestmark = [pytest.mark.model, pytest.mark.servers, pytest.mark.postgres]


def free_base_port() -> int:
    """A base port whose HAProxy, Rasa (+1, +2), action (+50..+52) and stats (+99) ports are all free."""
    for base in range(21100, 29000, 200):
        ports = [base, base + 1, base + 2, base + 50, base + 51, base + 52, base + 99]
        if all(_free(p) for p in ports):
            return base
    raise RuntimeError("no free ports for the cluster")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    if not shutil.which("haproxy"):
        message = "HAProxy is not installed (make haproxy)"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    layout = local_cluster.Layout(base_port=free_base_port(), database_suffix="_test")
    with local_cluster.running(require_model(), layout=layout, log_dir=tmp_path_factory.mktemp("cluster"),
                               extra_env={"STUDENT_RATE_LIMIT": "100000", "SHOW_REPLICA": "yes"}) as running:
        yield running


def say(cluster: local_cluster.Cluster, sender: str, text: str) -> tuple[str, str]:
    """The assistant's answer through HAProxy, and which replica gave it."""
    answer = requests.post(cluster.layout.rest_url, json={"sender": sender, "message": text}, timeout=60)
    assert answer.status_code == 200, answer.text
    return " ".join(m.get("text") or "" for m in answer.json()), answer.headers.get("X-Replica", "")


def test_a_conversation_keeps_its_context_across_replicas(cluster):
    sender = f"cluster-{uuid.uuid4().hex[:12]}"
    first, one = say(cluster, sender, "what courses will I take each semester?")
    assert "Which program" in first
    second, other = say(cluster, sender, "MIM")
    assert {one, other} == {"rasa1", "rasa2"}, "HAProxy sends consecutive turns to both replicas"
    assert "INST" in second  # the MIM's courses: the question of the turn before, answered


def test_every_turn_is_stored_once_in_order_in_postgres(cluster):
    sender = f"cluster-{uuid.uuid4().hex[:12]}"
    turns = ["hi", "how long does the online MLS take?", "do I have to come to campus?", "thanks"]
    for text in turns:
        say(cluster, sender, text)
    engine = sa.create_engine(cluster.layout.database_url("tracker"), future=True)
    with engine.connect() as db:
        stored = db.scalars(sa.text("SELECT data::json->>'text' FROM events WHERE sender_id = :s "
                                    "AND type_name = 'user' ORDER BY id"), {"s": f"rest:{sender}"}).all()
        indexed = db.scalars(sa.text("SELECT indexdef FROM pg_indexes WHERE tablename = 'events'")).all()
    engine.dispose()
    assert stored == turns
    assert any("(sender_id)" in definition for definition in indexed)


def test_when_a_replica_dies_the_other_answers(cluster):
    cluster.kill("rasa2")
    sender = f"cluster-{uuid.uuid4().hex[:12]}"
    answers = [say(cluster, sender, text) for text in ("what courses will I take each semester?", "MLS", "thanks")]
    assert "LBSC" in answers[1][0]
    assert {replica for _, replica in answers} == {"rasa1"}
