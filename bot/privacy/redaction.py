"""Logs without message bodies: what users type, and who they are, stay out of every log line.

Installed once per process by :func:`install`:
- a first step in Rasa's structured logging: Rasa 3.6 logs message text, slot values, parse data and
  events as fields of structured events (``processor.message.parse`` with ``parse_data_text`` at DEBUG,
  ``rest.message.received.failure`` with ``text`` at ERROR, ...); each such field becomes its length
  (the fields Rasa's own anonymizer would hand to a Rasa Pro anonymization pipeline);
- Rasa's JSON tracebacks are kept, without the frames' local variables (the message, the slots);
- a filter on every log record (through the record factory, so every logger and handler, Rasa's,
  Sanic's, rasa-sdk's and ours, is covered): sender ids become a short hash (``webchat:#1a2b3c4d5e``,
  the same for the same sender, so a conversation can still be followed), and a database error's SQL
  parameters (the name, email and question being stored) are left out of its message and traceback.
"""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

# The fields of Rasa's structured log events that carry what users said (rasa.utils.log_utils._anonymizer).
TEXT_FIELDS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message"})
# A conversation id as our channels make it: "<channel>:<sender>".
SENDER_ID = re.compile(r"\b(?:rest|webchat|slack):(?!#)[^\s'\"\],)]+")


def sender_tag(sender_id: str) -> str:
    """A stand-in for a sender id in logs: its channel and the first 10 hex digits of its SHA-256."""
    channel, sep, _ = sender_id.partition(":")
    digest = hashlib.sha256(sender_id.encode()).hexdigest()[:10]
    return f"{channel}:#{digest}" if sep else f"#{digest}"


def summary(value: Any) -> str:
    """What a log may say about a value a user gave: its size, not its content."""
    if isinstance(value, str):
        return f"<{len(value)} characters>"
    if isinstance(value, list | tuple | dict | set):
        return f"<{len(value)} items>"
    return "<redacted>"


def redact_fields(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    """A structlog processor: each text-bearing field of a Rasa log event becomes its size."""
    for key in TEXT_FIELDS.intersection(event):
        event[key] = summary(event[key])
    return event


class RedactingFilter(logging.Filter):
    """Hashes sender ids in a record's message and hides SQL parameters in its exception."""

    def filter(self, record: logging.LogRecord) -> bool:
        _hide_sql_parameters(record.exc_info[1] if record.exc_info else None)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: logging reports it itself
            return True
        redacted = SENDER_ID.sub(lambda found: sender_tag(found.group(0)), message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_FILTER = RedactingFilter()


def install(rasa: bool = True) -> None:
    """Redact every log record of this process from now on (and Rasa's structured fields); idempotent."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "redacts", False):
        def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            _FILTER.filter(record)
            return record

        redacting_factory.redacts = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(redacting_factory)
    if rasa:
        _redact_structured_logs()


def _redact_structured_logs() -> None:
    """Redact the fields of Rasa's structured log events, and keep its JSON tracebacks' frames without locals.

    Rasa writes JSON logs whenever stderr is not a terminal, and its tracebacks there show every frame's
    local variables: the message text, the slots, the parse data. The processor list is changed in place:
    loggers Rasa already used hold this very list. (Rasa's anonymization plugin hook would do the fields
    too, but it also makes the processor read the tracker again on every message.)
    """
    import structlog
    from structlog.processors import ExceptionRenderer
    from structlog.tracebacks import ExceptionDictTransformer

    processors = structlog.get_config()["processors"]
    for i, processor in enumerate(processors):
        if isinstance(processor, ExceptionRenderer) and getattr(processor.format_exception, "show_locals", False):
            processors[i] = ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
    if redact_fields not in processors:
        processors.insert(0, redact_fields)


def _hide_sql_parameters(error: BaseException | None) -> None:
    from sqlalchemy.exc import StatementError

    seen = 0
    while error is not None and seen < 10:  # the exception and what caused it
        if isinstance(error, StatementError):
            error.hide_parameters = True
        error, seen = error.__cause__ or error.__context__, seen + 1
