"""Logs without message bodies: Rasa's, the action server's and ours show sizes and hashes, never text."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import subprocess
import sys

import pytest
import requests

from tests.conftest import PROJECT_ROOT, free_port, require_model
from tools import servers

SECRET = "I'm Ada Lovelace, ada@example.edu, and I feel like hurting myself"
SENDER = "webchat:3f9a1c0b-ada-lovelace"
NAME, EMAIL = "Ada Lovelace", "ada@example.edu"


@pytest.fixture
def rasa_logging():
    """Rasa's logging as ``rasa run`` sets it up, at DEBUG, JSON as in production; then our channels load.

    The order is the server's: Rasa configures its logs first, then loads the channels of credentials.yml,
    whose package installs the redaction (imported here once for the session, so installed again here).
    """
    import structlog
    from rasa.utils.log_utils import configure_structlog

    import bot.channels  # noqa: F401 - what installs the redaction in the Rasa server
    from bot.privacy import redaction

    before = structlog.get_config()
    configure_structlog(logging.DEBUG)
    redaction.install()
    yield
    structlog.configure(**before)


def test_rasa_logs_the_size_of_a_message_it_could_not_parse_not_the_message(rasa_logging, caplog) -> None:
    from rasa.core.channels.channel import UserMessage
    from rasa.core.http_interpreter import RasaNLUHttpInterpreter
    from rasa.utils.endpoints import EndpointConfig

    async def parse() -> None:
        # An NLU server that is down (a closed loopback port): Rasa logs the message and the traceback.
        interpreter = RasaNLUHttpInterpreter(EndpointConfig(f"http://127.0.0.1:{free_port()}"))
        await interpreter.parse(UserMessage(SECRET, sender_id=SENDER))
        await interpreter.session.close()

    caplog.set_level(logging.DEBUG)
    asyncio.run(parse())
    assert "http.parse.text.exception" in caplog.text  # Rasa logged it at ERROR: seen at the level we run
    assert f"<{len(SECRET)} characters>" in caplog.text and "ClientConnectorError" in caplog.text
    assert "Ada" not in caplog.text and EMAIL not in caplog.text


def test_sender_ids_are_hashed_in_every_log_line(rasa_logging, caplog) -> None:
    from bot.privacy.redaction import sender_tag

    caplog.set_level(logging.INFO)
    logging.getLogger("rasa.core.lock_store").info("Issuing ticket for conversation '%s'.", SENDER)
    logging.getLogger("actions.handoff").warning(f"Ticket limit reached for {SENDER}")
    assert SENDER not in caplog.text and "ada-lovelace" not in caplog.text
    assert caplog.text.count(sender_tag(SENDER)) == 2, "the same sender, the same tag: still traceable"
    assert sender_tag(SENDER).startswith("webchat:#") and sender_tag(SENDER) != sender_tag(SENDER + "x")


@pytest.mark.model
def test_a_message_through_the_assistant_leaves_no_text_in_the_debug_log(rasa_logging, caplog) -> None:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from bot.privacy.redaction import sender_tag

    agent = Agent.load(str(require_model()))
    caplog.set_level(logging.DEBUG)
    asyncio.run(agent.handle_message(UserMessage(SECRET, CollectingOutputChannel(), SENDER,
                                                 input_channel="webchat")))
    logged = caplog.text
    assert "processor.message.parse" in logged, "Rasa logged the parse at DEBUG"
    assert f"<{len(SECRET)} characters>" in logged
    assert sender_tag(SENDER) in logged
    for private in ("Ada", EMAIL, "hurting", SENDER):
        assert private not in logged


@pytest.fixture
def broken_ticket_database(tmp_path):
    """A ticket database that refuses every insert: the database error carries the values being stored."""
    from bot.handoffs.tickets import open_handoffs

    url = f"sqlite:///{tmp_path / 'handoffs.db'}"
    open_handoffs(url).engine.dispose()
    with sqlite3.connect(tmp_path / "handoffs.db") as db:
        db.execute("CREATE TRIGGER refuse BEFORE INSERT ON handoff_tickets BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    return url


@pytest.mark.servers
def test_the_action_server_log_and_error_answers_hold_no_slot_values_or_user_text(tmp_path,
                                                                                 broken_ticket_database) -> None:
    port, log = free_port(), tmp_path / "actions.log"
    env = servers.child_env({"HANDOFF_DB_URL": broken_ticket_database,
                             "KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path}/knowledge.db"})
    process = subprocess.Popen([sys.executable, "-m", "bot.action_server", "--port", str(port)], cwd=PROJECT_ROOT,
                               env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        servers.wait_until_up(f"http://127.0.0.1:{port}/health", process, "action server", 60)
        url = f"http://127.0.0.1:{port}/webhook"
        slots = {"handoff_name": NAME, "handoff_contact": EMAIL, "handoff_question": SECRET}
        answers = [requests.post(url, json=call("action_crisis", slots), timeout=30),  # the insert fails
                   requests.post(url, json=call("action_submit_handoff", slots), timeout=30)]
        broken = call("action_submit_handoff", slots)
        broken["tracker"]["events"] = "not a list"  # the action itself fails: rasa-sdk's error handler
        answers.append(requests.post(url, json=broken, timeout=30))
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert [a.status_code for a in answers] == [200, 200, 500]
    logged = log.read_text()
    assert "Could not store the urgent ticket" in logged and "Could not store the handoff ticket" in logged
    assert "IntegrityError" in logged and "SQL parameters hidden" in logged
    for private in (NAME, EMAIL, "hurting", "3f9a1c0b"):
        assert private not in logged
        assert all(private not in a.text for a in answers)


def call(action: str, slots: dict) -> dict:
    latest = {"text": SECRET, "intent": {"name": "crisis"}}
    return {"next_action": action, "sender_id": SENDER, "version": "3.6.21",
            "tracker": {"sender_id": SENDER, "slots": slots, "latest_message": latest,
                        "events": [{"event": "user", "text": SECRET, "parse_data": latest}],
                        "active_loop": {}, "latest_action_name": "action_listen"},
            "domain": {}}
