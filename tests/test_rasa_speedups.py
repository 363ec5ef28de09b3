"""bot/rasa_speedups.py: the same answers as Rasa's own code, for valid and invalid input alike."""

from __future__ import annotations

import inspect

import pytest
import rasa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events
from rasa.shared.utils.common import all_subclasses

from bot import rasa_speedups

VALID = {"events": [{"event": "slot", "name": "focus", "value": {"topic": "field_study"}, "timestamp": None}],
         "responses": [{"text": "The field study is 3 credits.", "buttons": [{"title": "More", "payload": "/x"}]}]}
INVALID = [
    {"events": "not a list"},
    {"events": [{"event": 3}]},
    {"responses": "not a list"},
    {"events": [{"event": "slot", "name": "focus", "timestamp": "yesterday"}]},
    {"events": [{"name": "focus"}]},
]


def original_validate(result: dict) -> None:
    """What rasa 3.6.21's RemoteAction._validate_action_result runs (jsonschema.validate, then the suffix)."""
    from jsonschema import validate

    validate(result, RemoteAction.action_response_format_spec())


def test_written_for_the_pinned_rasa() -> None:
    # On an upgrade this fails first: reread both replacements against the new Rasa's code.
    assert rasa.__version__ == rasa_speedups.WRITTEN_FOR
    source = inspect.getsource(rasa_speedups._original_resolve_by_type)
    assert "all_subclasses(Event)" in source and "backwards compatibility" in source


def test_install_replaces_both_once() -> None:
    assert rasa_speedups.install() and rasa_speedups.install()
    assert RemoteAction._validate_action_result is rasa_speedups.validate_action_result
    assert events.Event.resolve_by_type is rasa_speedups.resolve_by_type


def test_a_valid_action_result_passes() -> None:
    original_validate(VALID)
    assert rasa_speedups.validate_action_result(None, VALID) is True


@pytest.mark.parametrize("result", INVALID, ids=range(len(INVALID)))
def test_an_invalid_action_result_raises_rasas_error(result: dict) -> None:
    with pytest.raises(ValidationError) as expected:
        original_validate(result)
    with pytest.raises(ValidationError) as raised:
        rasa_speedups.validate_action_result(None, result)
    assert raised.value.message.startswith(expected.value.message)
    assert "Failed to validate Action server response from API" in raised.value.message
    assert list(raised.value.path) == list(expected.value.path)


def test_every_event_type_resolves_to_the_class_rasas_walk_finds() -> None:
    for event_class in all_subclasses(events.Event):
        name = event_class.type_name
        assert rasa_speedups.resolve_by_type(name) is rasa_speedups._original_resolve_by_type(name)


def test_unknown_event_types_get_rasas_answers() -> None:
    assert rasa_speedups.resolve_by_type("topic") is None
    assert rasa_speedups.resolve_by_type("no_such_event", events.UserUttered) is events.UserUttered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        rasa_speedups.resolve_by_type("no_such_event")


def test_an_event_class_defined_later_is_found() -> None:
    class LateEvent(events.ActionExecuted):
        type_name = "late_event_for_this_test"

    rasa_speedups.resolve_by_type("user")  # the table exists before the class is known
    assert rasa_speedups.resolve_by_type("late_event_for_this_test") is LateEvent


def test_stored_events_deserialise_the_same() -> None:
    rasa_speedups.install()
    stored = [events.SessionStarted(), events.ActionExecuted("action_listen"),
              events.UserUttered("how long is the MLS?", {"name": "faq", "confidence": 0.9}),
              events.SlotSet("focus", {"topic": "duration"}), events.BotUttered("Two calendar years."),
              events.FollowupAction("action_listen")]
    assert [events.Event.from_parameters(e.as_dict()) for e in stored] == stored


def test_the_rasa_server_installs_them_when_it_loads_a_channel() -> None:
    import subprocess
    import sys

    from bot.config import PROJECT_ROOT

    script = ("from rasa.core.actions.action import RemoteAction\nfrom rasa.shared.core.events import Event\n"
              "import bot.channels.webchat\nfrom bot import rasa_speedups\n"
              "print(RemoteAction._validate_action_result is rasa_speedups.validate_action_result,"
              " Event.resolve_by_type is rasa_speedups.resolve_by_type)")
    found = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["True", "True"]
