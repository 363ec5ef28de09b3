"""Where a relayed question starts: the framing staff add is left out of the n-grams and the sentence vector."""

from __future__ import annotations

import pytest

from bot.nlu.relay import question_start


@pytest.mark.parametrize(("text", "question"), [
    ("fwd from an applicant in Ohio: is the degree accredited?", "is the degree accredited?"),
    ("Ticket 2210 - how long does the MIM take", "how long does the MIM take"),
    ("Passing along from a walk-in: when are classes held?", "when are classes held?"),
    ("On behalf of an admitted student, which platform hosts the courses?", "which platform hosts the courses?"),
    ("Forwarded by the front desk \u2014 do I need to visit campus?", "do I need to visit campus?"),
    ("A caller wants to know whether the MLS is accredited", "the MLS is accredited"),
    ("fwd: applicant wants to know if the online MIM can be done part-time", "the online MIM can be done part-time"),
    ("Student at the front desk asked: can I go part-time", "can I go part-time"),
])
def test_the_framing_is_taken_off(text: str, question: str) -> None:
    assert text[question_start(text):] == question


@pytest.mark.parametrize("text", [
    "how many credits is the MLS?",
    "My question is about credits: how many do I need?",
    "what is the field study - is it required?",
    "Hi - I was wondering about the credits",
    "Can a student take the MIM part-time?",
    "how do I get a student ID card",
    "fwd: ok?",  # what is left would be too short to be a question on its own
])
def test_a_message_without_a_relay_framing_is_read_whole(text: str) -> None:
    assert question_start(text) == 0


def _tokenized(text: str):
    from rasa.nlu.constants import TOKENS_NAMES
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message

    message = Message({TEXT: text})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    return message, TOKENS_NAMES[TEXT]


def test_the_framing_s_tokens_are_dropped_before_the_n_grams_are_counted() -> None:
    from bot.nlu.relay import RelayFramingTrim

    message, tokens = _tokenized("fwd from an applicant in Ohio: is the degree accredited?")
    RelayFramingTrim().process([message])
    assert [t.text for t in message.get(tokens)] == ["is", "the", "degree", "accredited"]


@pytest.mark.parametrize("text", ["how many credits is the MLS?", "fwd: ok?"])
def test_a_message_without_a_framing_keeps_every_token(text: str) -> None:
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.relay import RelayFramingTrim

    message, tokens = _tokenized(text)
    before = [t.text for t in message.get(tokens)]
    RelayFramingTrim().process_training_data(TrainingData([message]))
    assert [t.text for t in message.get(tokens)] == before
