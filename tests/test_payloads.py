"""Only the assistant's own button payloads skip the NLU; typed "/intent" text is read as text."""

from __future__ import annotations

import pytest

from bot.channels import payloads


@pytest.mark.parametrize(("text", "expected"), [
    ("/affirm", "/affirm"),  # the "Yes, please" button
    ('/follow_up{"program": "MLS"}', '/follow_up{"program": "MLS"}'),  # "Library Science (MLS)"
    ('/correct_field{"field": "contact"}', '/correct_field{"field": "contact"}'),
    ("/faq/credits", "/faq/credits"),  # a "did you mean" topic
    ("/crisis", "crisis"),  # no button sends it: read as text, never a silent urgent ticket
    ("/request_human", "request_human"),
    ('/follow_up{"program": "PhD"}', 'follow_up{"program": "PhD"}'),
    ("//faq/credits", "faq/credits"),
    ("how many credits?", "how many credits?"),
    ("/", ""),
])
def test_button_payloads_pass_and_anything_else_is_text(text, expected) -> None:
    assert payloads.checked(text) == expected


def test_typed_slack_text_never_passes_as_a_payload() -> None:
    assert payloads.checked("/affirm", from_button=False) == "affirm"


def test_every_domain_button_is_known() -> None:
    known = payloads.button_payloads()
    assert {"/affirm", "/deny", "/stop", "/nlu_fallback", "/ask_info_sessions"} <= known
    assert all(p.startswith("/") and "{{" not in p for p in known)
