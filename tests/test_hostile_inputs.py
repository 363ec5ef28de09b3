"""Requests that used to end in a 500 (found by bench/hostile.py) get a 4xx, and nothing reaches the assistant.

The channels' handlers are called directly with Sanic requests: no model, no server.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from sanic import Sanic
from sanic.compat import Header
from sanic.exceptions import MethodNotSupported, NotFound
from sanic.request import Request

from bot.channels import errors, validation
from bot.channels.calendar import CalendarChannel
from bot.channels.limits import AddressLimit
from bot.channels.rest import CheckedRestInput
from bot.channels.slack import SlackChannel
from bot.channels.webchat import WebchatInput

SECRET = "hostile-test-secret"
DEEP = 10_000
NESTED = ["[" * DEEP + "]" * DEEP, '{"a":' * DEEP + "1" + "}" * DEEP]


def call(channel, path: str, body: bytes, headers: dict[str, str], address: str = "203.0.113.7"):
    """Answer one POST from ``address`` with ``channel``'s handler; returns the response and the messages passed on."""
    received = []

    async def on_new_message(message) -> None:
        received.append(message)

    if isinstance(channel, WebchatInput):  # the web chat talks only under ids it issued
        body = body.replace(b'"abcdefgh1"', f'"{channel.senders.issue()}"'.encode())
    route = next(r for r in channel.blueprint(on_new_message)._future_routes if r.uri == path and "POST" in r.methods)
    request = Request(f"/webhooks/{channel.name()}{path}".encode(), Header(headers), "1.1", "POST", None, None)
    request.body = body
    request.conn_info, request.parsed_forwarded = SimpleNamespace(client_ip=address), {}  # as a server sets them

    async def answer():
        response = await route.handler(request)
        await asyncio.sleep(0)  # Slack passes messages on in a background task
        return response

    return asyncio.run(answer()), received


def message_channels():
    return [CheckedRestInput(), WebchatInput()]


@pytest.mark.parametrize("channel", message_channels(), ids=["rest", "webchat"])
@pytest.mark.parametrize(("body", "status"), [
    pytest.param(NESTED[0], 400, id="10,000 nested lists"),
    pytest.param(NESTED[1], 400, id="10,000 nested objects"),
    pytest.param(f'{{"sender": "abcdefgh1", "message": {NESTED[0]}}}', 400, id="nested message"),
    # A lone surrogate: the tracker store cannot save it.
    pytest.param('{"sender": "abcdefgh\\ud800", "message": "hi"}', 400, id="lone surrogate sender"),
    pytest.param('{"sender": "abcdefgh1", "message": "hi \\udfff"}', 400, id="lone surrogate message"),
    pytest.param('{"sender": "abcdefgh1", "message": "\\u200b \\u202e\\n\\u0007"}', 400, id="only format and control"),
    pytest.param('{"sender": "abcdefgh1", "message": "how long is the MLS?"}', 200, id="ordinary"),
    pytest.param('{"sender": "abcdefgh1", "message": "\\ud83d\\ude00 how long?"}', 200, id="surrogate pair"),
])
def test_message_endpoints_refuse_what_they_cannot_read(channel, body, status) -> None:
    answer, received = call(channel, "/webhook", body.encode(), {"content-type": "application/json"})
    assert answer.status == status
    assert len(received) == (status == 200)


ORDINARY = b'{"sender": "abcdefgh1", "message": "how long is the MLS?"}'


@pytest.mark.parametrize("channel", message_channels(), ids=["rest", "webchat"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "", "application/jsonx"])
def test_message_endpoints_take_only_json_declared_as_json(channel, content_type) -> None:
    # A page on any site can make its visitors' browsers post text/plain or a form without a CORS preflight.
    answer, received = call(channel, "/webhook", ORDINARY, {"content-type": content_type} if content_type else {})
    assert (answer.status, received) == (415, [])
    answer, received = call(channel, "/webhook", ORDINARY, {"content-type": "application/json; charset=utf-8"})
    assert answer.status == 200 and len(received) == 1


@pytest.mark.parametrize("channel", message_channels(), ids=["rest", "webchat"])
def test_another_sites_page_cannot_post_messages(channel) -> None:
    json_type = {"content-type": "application/json", "host": "assistant.example.edu"}
    answer, received = call(channel, "/webhook", ORDINARY, {**json_type, "origin": "https://evil.example"})
    assert (answer.status, received) == (403, [])
    answer, received = call(channel, "/webhook", ORDINARY, {**json_type, "origin": "https://assistant.example.edu"})
    assert answer.status == 200, "the assistant's own page"


@pytest.mark.parametrize("kind", [CheckedRestInput, WebchatInput], ids=["rest", "webchat"])
def test_one_address_is_limited_whatever_conversation_ids_it_invents(kind) -> None:
    channel = kind([], AddressLimit(3, clock=lambda: 600.0))
    statuses = []
    for n in range(5):
        sender = channel.senders.issue() if kind is WebchatInput else f"new-sender-{n:04d}"
        body = json.dumps({"sender": sender, "message": "I want to kill myself"}).encode()
        answer, _ = call(channel, "/webhook", body, {"content-type": "application/json"})
        statuses.append(answer.status)
    assert statuses == [200, 200, 200, 429, 429]
    assert int(answer.headers["retry-after"]) == 60
    other, received = call(channel, "/webhook", ORDINARY, {"content-type": "application/json"}, address="198.51.100.2")
    assert other.status == 200 and len(received) == 1, "another address is not held up"


@pytest.mark.parametrize("channel", message_channels(), ids=["rest", "webchat"])
@pytest.mark.parametrize("sender", ["abcdefgh\nINFO forged log line", "abc defgh", "abcdefgh/../x", "ünïcödé-id",
                                    "a" * 129, "short"])
def test_sender_ids_are_letters_digits_underscores_and_hyphens(channel, sender) -> None:
    body = json.dumps({"sender": sender, "message": "hi"}).encode()
    answer, received = call(channel, "/webhook", body, {"content-type": "application/json"})
    assert (answer.status, received) == (400, [])
    assert "letters, digits" in json.loads(answer.body)["error"]


@pytest.mark.parametrize("channel", message_channels(), ids=["rest", "webchat"])
def test_control_and_format_characters_are_stripped_before_the_assistant_sees_the_text(channel) -> None:
    body = json.dumps({"sender": "abcdefgh1", "message": "\x1b[31mhow long\u202e is\n the\u200b MLS?\x07"})
    answer, received = call(channel, "/webhook", body.encode(), {"content-type": "application/json"})
    assert answer.status == 200 and received[0].text == "[31mhow long is  the MLS?"


def test_the_limit_starts_again_each_minute() -> None:
    now = [0.0]
    limit = AddressLimit(2, clock=lambda: now[0])
    assert [limit.allow("a") for _ in range(3)] == [True, True, False]
    now[0] = 60.0
    assert limit.allow("a") and AddressLimit(0).allow("a"), "a new minute; 0 is no limit"


def signed(body: bytes, content_type: str = "application/json") -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"content-type": content_type, "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def slack() -> SlackChannel:
    return SlackChannel.from_credentials({"slack_token": "xoxb-t", "slack_signing_secret": SECRET})


def event(**fields) -> dict:
    return {"type": "event_callback", "authorizations": [{"user_id": "U0BOT"}],
            "event": {"type": "app_mention", "user": "U1", "text": "<@U0BOT> how many credits?", "channel": "C1",
                      "ts": f"{time.time():.6f}", **fields}}


def with_authorizations(value) -> dict:
    return {**event(), "authorizations": value}


SLACK_BODIES = {
    "list": [], "string": "text", "number": 42, "true": True, "type as list": {"type": ["event_callback"]},
    "event as string": {"event": "hi"}, "event as list": {"event": [1]},
    "text as list": event(text=["how many credits?"]), "text as object": event(text={"a": 1}),
    "user as object": event(user={"id": "U1"}), "channel as list": event(channel=["C1"]),
    "ts as object": event(ts={"t": 1}), "thread_ts as number": event(thread_ts=1.5), "type as number": event(type=7),
    "channel_type as list": event(channel_type=["im"]), "authorizations as string": with_authorizations("U0BOT"),
    "authorizations of numbers": with_authorizations([42]),
    "authorizations as object": with_authorizations({"user_id": "U0BOT"}),
    "authed_users as string": {**event(), "authed_users": "U0BOT"}, "lone surrogate": event(text="hi \ud800"),
    # Ids of any length became conversation ids, and text of any length a stored message.
    "100,000-character channel": event(channel="C" * 100_000), "100,000-character ts": event(ts="1" * 100_000),
    "100,000-character user": event(user="U" * 100_000), "41,000-character text": event(text="a" * 41_000),
    "long authed user": {**event(), "authed_users": ["U" * 1000]},
}


@pytest.mark.parametrize("payload", SLACK_BODIES.values(), ids=SLACK_BODIES.keys())
def test_signed_slack_bodies_of_the_wrong_shape_are_refused(payload) -> None:
    body = json.dumps(payload).encode()
    answer, received = call(slack(), "/webhook", body, signed(body))
    assert answer.status == 400
    assert received == []


@pytest.mark.parametrize("body", [n.encode() for n in NESTED], ids=["list", "object"])
def test_signed_slack_json_nested_too_deep_is_refused(body) -> None:
    answer, received = call(slack(), "/webhook", body, signed(body))
    assert answer.status == 400 and received == []


def test_slack_content_type_with_a_charset_is_read_like_json() -> None:
    """Rasa's metadata knew only "application/json" exactly; channel chatter then failed with a KeyError."""
    chatter = json.dumps(event(type="message", channel_type="channel", text="lunch?")).encode()
    answer, received = call(slack(), "/webhook", chatter, signed(chatter, "application/json; charset=utf-8"))
    assert (answer.status, received) == (200, [])
    mention = json.dumps(event()).encode()
    answer, received = call(slack(), "/webhook", mention, signed(mention, "Application/JSON; charset=utf-8"))
    assert answer.status == 200
    assert [(m.text, m.sender_id) for m in received] == [("how many credits?", received[0].sender_id)]
    assert received[0].sender_id.startswith("slack:U1_C1_")


def interaction(**fields) -> dict:
    return {"type": "block_actions", "user": {"id": "U1"}, "channel": {"id": "C1"}, "message": {"ts": "1.0"},
            "trigger_id": f"{time.time()}", "actions": [{"type": "button", "value": "/affirm"}], **fields}


INTERACTIONS = {
    "list": [], "number": 42, "null": None, "actions of numbers": interaction(actions=[42]),
    "actions as string": interaction(actions="button"), "no user": interaction(user=None),
    "user id as list": interaction(user={"id": ["U1"]}), "channel as string": interaction(channel="C1"),
    "message as list": interaction(message=["1.0"]), "trigger_id as object": interaction(trigger_id={"x": 1}),
    "value as list": interaction(actions=[{"type": "button", "value": ["/affirm"]}]),
    "no selected options": interaction(actions=[{"type": "select", "selected_options": []}]),
    "selected option as string": interaction(actions=[{"type": "static_select", "selected_option": "x"}]),
    "100,000-character user id": interaction(user={"id": "U" * 100_000}),
    "100,000-character channel id": interaction(channel={"id": "C" * 100_000}),
}


@pytest.mark.parametrize("payload", INTERACTIONS.values(), ids=INTERACTIONS.keys())
def test_signed_slack_interactions_of_the_wrong_shape_are_refused(payload) -> None:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    answer, received = call(slack(), "/webhook", body, signed(body, "application/x-www-form-urlencoded"))
    assert answer.status == 400
    assert received == []


def test_a_well_formed_slack_button_still_passes_its_payload_on() -> None:
    body = urlencode({"payload": json.dumps(interaction())}).encode()
    answer, received = call(slack(), "/webhook", body, signed(body, "application/x-www-form-urlencoded"))
    assert answer.status == 200
    assert [(m.text, m.sender_id) for m in received] == [("/affirm", "slack:U1_C1_1.0")]


def error_page(app: Sanic, accept: str, exception: Exception) -> int:
    """The status of Sanic's error page for ``exception`` (500 when rendering it fails, as in the server)."""
    request = Request(b"/nope", Header({"accept": accept}), "1.1", "GET", None, app)
    try:
        return app.error_handler.response(request, exception).status
    except AttributeError:  # Sanic's own handler fails on its failure; the server then answers 500
        return 500


def new_app() -> Sanic:
    return Sanic(f"hostile_{uuid.uuid4().hex}")


UNREADABLE_ACCEPT = ["\x7f" * 10, "a", "text/html;q=2", "text/html;q=x", "text/html;value=1", "text/html;x"]


@pytest.mark.parametrize("channel", [CheckedRestInput(), WebchatInput(), slack(), CalendarChannel()],
                         ids=["rest", "webchat", "slack", "calendar"])
@pytest.mark.parametrize("accept", UNREADABLE_ACCEPT)
def test_error_pages_survive_an_unreadable_accept_header(channel, accept) -> None:
    assert error_page(new_app(), accept, NotFound("Requested URL /nope not found")) == 500  # Sanic alone
    app = new_app()
    listeners = channel.blueprint(lambda _: None)._future_listeners
    for listener in listeners:
        if listener.event == "before_server_start":
            asyncio.run(listener.listener(app, None))
    assert error_page(app, accept, NotFound("Requested URL /nope not found")) == 404
    assert error_page(app, accept, MethodNotSupported("no", "POST", ["GET"])) == 405


@pytest.mark.parametrize(("accept", "content_type"), [
    ("text/html", "text/html"), ("application/json", "application/json"), ("", "text/plain")])
def test_readable_accept_headers_keep_sanics_error_pages(accept, content_type) -> None:
    app = new_app()
    errors.readable_error_pages(app)
    request = Request(b"/nope", Header({"accept": accept} if accept else {}), "1.1", "GET", None, app)
    page = app.error_handler.response(request, NotFound("Requested URL /nope not found"))
    assert page.status == 404 and page.content_type.startswith(content_type)


def test_the_web_chat_talks_only_under_ids_it_issued() -> None:
    channel = WebchatInput()
    issued = json.loads(call(channel, "/session", b"", {})[0].body)["sender"]
    assert validation.SENDER.fullmatch(issued) and channel.senders.genuine(issued)
    ident, _, signature = issued.rpartition("-")
    flipped = f"{ident}-{signature[:-1]}{'0' if signature[-1] != '0' else '1'}"
    for guessed in [uuid.uuid4().hex, flipped, f"{uuid.uuid4().hex}-{signature}", "abcdefgh2"]:
        body = json.dumps({"sender": guessed, "message": "how long is the MLS?"}).encode()
        answer, received = call(channel, "/webhook", body, {"content-type": "application/json"})
        assert (answer.status, received) == (403, []) and json.loads(answer.body)["new_conversation"] is True
        replies, _ = call(channel, "/replies", json.dumps({"sender": guessed}).encode(),
                          {"content-type": "application/json"})
        assert replies.status == 403, "another conversation's staff replies stay its own"
    answer, received = call(channel, "/webhook", json.dumps({"sender": issued, "message": "hi"}).encode(),
                            {"content-type": "application/json"})
    assert answer.status == 200 and received[0].sender_id == f"webchat:{issued}"
    assert not WebchatInput().senders.genuine(issued), "another secret does not accept it"


def test_the_web_chat_secret_is_shared_by_replicas_and_kept_in_a_private_file(tmp_path) -> None:
    from bot.channels.senders import Senders
    from bot.config import load_settings

    configured = load_settings({"WEBCHAT_SECRET": "one secret for every replica"})
    assert Senders.from_settings(configured).genuine(Senders.from_settings(configured).issue())
    key_file = tmp_path / "var" / "webchat.key"
    first = Senders.from_settings(load_settings({}), key_file)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert Senders.from_settings(load_settings({}), key_file).genuine(first.issue()), "a restart keeps the secret"
    with pytest.raises(ValueError, match="at least 16"):
        Senders.from_settings(load_settings({"WEBCHAT_SECRET": "short"}))
