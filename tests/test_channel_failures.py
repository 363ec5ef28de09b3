"""When the assistant fails a turn (a store gone for longer than its retries), the message endpoints say so."""

from __future__ import annotations

import asyncio
import json

import pytest
from rasa.core.lock_store import LockError
from sanic.compat import Header
from sanic.request import Request

from bot.channels import validation
from bot.channels.rest import CheckedRestInput
from bot.channels.webchat import WebchatInput

BODY = json.dumps({"sender": "student-12345", "message": "how long is the MLS?"}).encode()


def answer(channel, on_new_message, app=None):  # type: ignore[no-untyped-def]
    route = next(r for r in channel.blueprint(on_new_message)._future_routes
                 if r.uri == "/webhook" and "POST" in r.methods)
    request = Request(f"/webhooks/{channel.name()}/webhook".encode(), Header({"content-type": "application/json"}),
                      "1.1", "POST", None, app)
    request.body = BODY.replace(b"student-12345", channel.senders.issue().encode()) if isinstance(
        channel, WebchatInput) else BODY
    return asyncio.run(route.handler(request))


@pytest.mark.parametrize("channel", [CheckedRestInput(), WebchatInput()], ids=["rest", "webchat"])
def test_a_failed_turn_is_a_503_to_send_again_not_an_empty_answer(channel, caplog) -> None:
    async def failing(message) -> None:  # type: ignore[no-untyped-def]
        message.output_channel.messages.append({"text": "half an answer"})
        raise LockError("Could not acquire lock for conversation_id 'rest:student-12345'.")

    response = answer(channel, failing)
    assert response.status == 503
    assert response.headers["Retry-After"] == "10"
    assert json.loads(response.body) == {"error": validation.UNAVAILABLE}
    assert "could not be answered" in caplog.text


@pytest.mark.parametrize("channel", [CheckedRestInput(), WebchatInput()], ids=["rest", "webchat"])
def test_an_answered_turn_returns_what_was_said(channel) -> None:
    async def answering(message) -> None:  # type: ignore[no-untyped-def]
        await message.output_channel.send_text_message(message.sender_id, "Two calendar years.")

    response = answer(channel, answering)
    assert response.status == 200
    assert [m["text"] for m in json.loads(response.body)] == ["Two calendar years."]


@pytest.mark.parametrize("channel", [CheckedRestInput(), WebchatInput()], ids=["rest", "webchat"])
def test_a_turn_that_says_nothing_gets_an_apology_with_the_offices_phone(channel, monkeypatch, tmp_path) -> None:
    # With the action server gone, Rasa logs the failed action and the turn says nothing: a 200 with [].
    from types import SimpleNamespace

    from rasa.shared.core.domain import Domain
    from sanic import Sanic

    from bot.config import PROJECT_ROOT
    from bot.knowledge import store as knowledge_store
    from tests.conftest import fresh_store

    monkeypatch.setattr(knowledge_store, "default_store", lambda: fresh_store())
    app = Sanic(f"t{abs(hash(channel))}")
    app.ctx.agent = SimpleNamespace(domain=Domain.load(str(PROJECT_ROOT / "domain.yml")))

    async def silent(message) -> None:  # type: ignore[no-untyped-def]
        return None

    response = answer(channel, silent, app)
    assert response.status == 200
    [reply] = json.loads(response.body)
    assert reply["text"].startswith("Sorry, I can't answer that just now")
    assert "Student Services Office at 301-405-2038" in reply["text"]
