"""Slack: signed events posted to the running server; a fake Slack Web API records the answers."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests
from slack_sdk.signature import SignatureVerifier

from bot.channels.slack import SlackChannel
from tests.conftest import free_port, require_model
from tests.fake_slack import FakeSlackApi
from tools import servers

SECRET = "test-signing-secret"
BOT_USER = "U0BOT"


@pytest.mark.parametrize(("raw", "clean"), [
    (f"<@{BOT_USER}> how many credits?", "how many credits?"),
    ("is <mailto:studentservices@umd.edu|studentservices@umd.edu> right?", "is studentservices@umd.edu right?"),
    ("see <https://ischool.umd.edu/online|the page> please", "see the page please"),
    ("see <https://ischool.umd.edu/online>", "see https://ischool.umd.edu/online"),
    (f"hey <@{BOT_USER}>, <@U123> asked about the MIM", "hey , <@U123> asked about the MIM"),
])
def test_link_markup_and_bot_mentions_are_unwrapped(raw, clean) -> None:
    assert SlackChannel._sanitize_user_message(raw, [BOT_USER]) == clean


@pytest.fixture(scope="module")
def slack(tmp_path_factory):
    model = require_model()
    with FakeSlackApi() as api:
        port = free_port()
        env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api.url,
               "KNOWLEDGE_DB_URL": f"sqlite:///{tmp_path_factory.mktemp('db') / 'k.db'}"}
        with servers.running(model, rasa_port=port, action_port=free_port(), env=env,
                             log_dir=tmp_path_factory.mktemp("logs")):
            yield api, f"http://127.0.0.1:{port}/webhooks/slack/webhook"


def signed(body: dict, *, secret: str = SECRET, age: int = 0, headers: dict | None = None):
    raw = json.dumps(body)
    stamp = str(int(time.time()) - age)
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=raw)
    return {"data": raw, "headers": {"content-type": "application/json", "X-Slack-Request-Timestamp": stamp,
                                     "X-Slack-Signature": signature, **(headers or {})}}


def event(kind: str, text: str, *, channel: str = "C0PROGRAMS", ts: str | None = None, **extra) -> dict:
    return {"type": "event_callback", "event_id": "Ev" + uuid.uuid4().hex[:10],
            "authorizations": [{"user_id": BOT_USER}],
            "event": {"type": kind, "user": "U0STUDENT", "text": text, "channel": channel,
                      "ts": ts or f"{time.time():.6f}", **extra}}


def test_url_verification(slack) -> None:
    _, url = slack
    answer = requests.post(url, timeout=10, **signed({"type": "url_verification", "challenge": "c-123"}))
    assert answer.status_code == 200 and answer.json() == {"challenge": "c-123"}


@pytest.mark.parametrize("tamper", ["missing", "wrong", "stale"])
def test_bad_signatures_are_refused_and_nothing_is_processed(slack, tamper) -> None:
    api, url = slack
    before = len(api.posts())
    body = event("app_mention", f"<@{BOT_USER}> how many credits?")
    if tamper == "missing":
        request = {"data": json.dumps(body), "headers": {"content-type": "application/json"}}
    elif tamper == "wrong":
        request = signed(body, secret="not-the-secret")
    else:
        request = signed(body, age=6 * 60)
    answer = requests.post(url, timeout=10, **request)
    assert 400 <= answer.status_code < 500
    time.sleep(1.5)
    assert len(api.posts()) == before


def test_mention_answered_once_in_thread_despite_duplicate_events_and_retries(slack) -> None:
    api, url = slack
    before = len(api.posts())
    ts = f"{time.time():.6f}"
    text = f"<@{BOT_USER}> how many credits is the online MLS?"
    for body, headers in [(event("app_mention", text, ts=ts), {}),
                          (event("message", text, ts=ts, channel_type="channel"), {}),
                          (event("app_mention", text, ts=ts), {"X-Slack-Retry-Num": "1",
                                                              "X-Slack-Retry-Reason": "http_timeout"}),
                          (event("app_mention", text, ts=ts), {"X-Slack-Retry-Num": "2",
                                                              "X-Slack-Retry-Reason": "http_error"})]:
        assert requests.post(url, timeout=10, **signed(body, headers=headers)).status_code == 200
    posts = api.wait_for_posts(before + 1)[before:]
    assert len(posts) == 1, posts
    assert posts[0]["thread_ts"] == ts and posts[0]["channel"] == "C0PROGRAMS"
    assert "36 credit hours" in posts[0]["text"]
    assert ("chat.postMessage", "Bearer xoxb-test-token") in {(m, token) for m, token, _ in api.calls}


def test_direct_message_with_link_markup(slack) -> None:
    api, url = slack
    before = len(api.posts())
    body = event("message", "is <mailto:x@umd.edu|x@umd.edu> how I reach student services? what's their phone number",
                 channel="D0DIRECT", channel_type="im")
    assert requests.post(url, timeout=10, **signed(body)).status_code == 200
    posts = api.wait_for_posts(before + 1)[before:]
    assert len(posts) == 1 and "301-405-2038" in posts[0]["text"]


def test_channel_chatter_without_a_mention_is_ignored(slack) -> None:
    api, url = slack
    before = len(api.posts())
    body = event("message", "anyone up for lunch?", channel_type="channel")
    assert requests.post(url, timeout=10, **signed(body)).status_code == 200
    time.sleep(2)
    assert len(api.posts()) == before


def test_labelled_links_are_written_as_slack_links() -> None:
    from bot.channels.slack import slack_links

    text = "- Thu: Info session, online. [Register](https://umd.edu/r?a=1) · [Add to calendar](http://h/s/1.ics)"
    assert slack_links(text) == ("- Thu: Info session, online. <https://umd.edu/r?a=1|Register> · "
                                 "<http://h/s/1.ics|Add to calendar>")
    assert slack_links("see https://umd.edu and [not a link](ftp://x)") == "see https://umd.edu and [not a link](ftp://x)"


def test_slack_conversation_ids_are_namespaced() -> None:
    channel = SlackChannel.from_credentials({"slack_token": "xoxb-t", "slack_signing_secret": "s"})
    assert channel._get_conversation_id("U1", "C1", "17.1") == "slack:U1_C1_17.1"
