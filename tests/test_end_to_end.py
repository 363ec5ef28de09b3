"""Both servers started on loopback, conversations over REST as the web page or a client would have them."""

from __future__ import annotations

import uuid

import pytest
import yaml

from bot import servers
from tests.conftest import PROJECT_ROOT, free_port, require_model

pytestmark = [pytest.mark.model, pytest.mark.servers]


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    model = require_model()
    db = tmp_path_factory.mktemp("db") / "knowledge.db"
    with servers.running(model, rasa_port=free_port(), action_port=free_port(),
                         log_dir=tmp_path_factory.mktemp("logs"),
                         env={"KNOWLEDGE_DB_URL": f"sqlite:///{db}"}) as started:
        yield started


def ask(running, sender: str, message: str) -> str:
    return "\n".join(m.get("text", "") for m in running.say(sender, message))


def test_program_aware_conversation(running) -> None:
    sender = uuid.uuid4().hex
    assert "Which program" in ask(running, sender, "how long is it?")
    assert "24-month" in ask(running, sender, "what about the MIM?")
    assert "two calendar years" in ask(running, sender, "and the MLS?")


def test_buttons_reach_the_follow_up(running) -> None:
    sender = uuid.uuid4().hex
    reply = running.say(sender, "is it accredited?")
    payloads = [b["payload"] for m in reply for b in m.get("buttons", [])]
    assert payloads and "MLS" in payloads[0]
    assert "American Library Association" in ask(running, sender, payloads[0])


CHECKS = yaml.safe_load((PROJECT_ROOT / "tests" / "answer_checks.yml").read_text())["checks"]


@pytest.mark.parametrize("check", CHECKS, ids=[c["ask"][:40] for c in CHECKS])
def test_answers_over_rest(running, check) -> None:
    reply = ask(running, uuid.uuid4().hex, check["ask"]).lower()
    assert [p for p in check["expect"] if p.lower() not in reply] == [], reply


def test_empty_and_huge_messages_get_a_polite_answer(running) -> None:
    assert ask(running, uuid.uuid4().hex, "   ")
    assert ask(running, uuid.uuid4().hex, "tuition " * 2000)
