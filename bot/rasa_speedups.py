"""Two per-turn costs of Rasa 3.6 removed without changing what Rasa does (issue 22, `make bench`).

A py-spy profile of the Rasa server under `make bench` load showed two pieces of work repeated on every
turn that give the same result every time:

- ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which first validates Rasa's
  response schema against the JSON Schema meta-schema and then builds a new validator: 2.4 ms per action
  server call here, 12 % of the server's CPU. The schema never changes, so it is checked once and its
  validator kept; each result is still validated in full and a bad one raises the same ``ValidationError``
  with the same message Rasa adds.
- ``Event.resolve_by_type`` walks every subclass of ``Event`` (with ``inspect.isabstract`` on each) for every
  stored event it deserialises: 3.5 % of the CPU. The type names are looked up in a table built from the
  same walk, in the same order (the first class with a name wins, as in the walk); a name not in the table
  walks again, so an event class imported later is still found, and the answer for an unknown name
  (``None`` for the old "topic", the default, or ``ValueError``) is Rasa's own.

`install()` is called where Rasa loads our channels (bot/channels/validation.py, which every channel answers
through; the action server, which must not need Rasa, never imports it).
Both replacements are written against rasa 3.6.21's code: with another version nothing is replaced and a
warning says so (tests/test_rasa_speedups.py fails too, so an upgrade rereads them).
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text, Type

import rasa
from jsonschema import exceptions
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core import events
from rasa.shared.utils.common import all_subclasses

logger = logging.getLogger(__name__)

WRITTEN_FOR = "3.6.21"
_original_resolve_by_type = events.Event.resolve_by_type
_installed = False


def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


_validator: Optional[Any] = None


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa's check of an action server's answer, with the schema's own check done once per process."""
    global _validator
    if _validator is None:
        _validator = _action_result_validator()
    error = exceptions.best_match(_validator.iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


_event_classes: Dict[Text, Type[events.Event]] = {}


def _index_event_classes() -> None:
    for event_class in all_subclasses(events.Event):
        _event_classes.setdefault(event_class.type_name, event_class)


def resolve_by_type(type_name: Text, default: Optional[Type[events.Event]] = None) -> Optional[Type[events.Event]]:
    """The event class of a type name, from a table instead of a walk over every subclass."""
    found = _event_classes.get(type_name)
    if found is None:
        _index_event_classes()  # a class imported since the table was built
        found = _event_classes.get(type_name)
    if found is not None:
        return found
    return _original_resolve_by_type(type_name, default)


def install() -> bool:
    """Replace both, once; False (and a warning) on a Rasa version they were not written for."""
    global _installed
    if _installed:
        return True
    if rasa.__version__ != WRITTEN_FOR:
        logger.warning("bot.rasa_speedups: written for rasa %s, running %s; Rasa's own code is left in place",
                       WRITTEN_FOR, rasa.__version__)
        return False
    RemoteAction._validate_action_result = validate_action_result
    events.Event.resolve_by_type = staticmethod(resolve_by_type)
    _installed = True
    return True

