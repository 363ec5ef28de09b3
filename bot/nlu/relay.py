"""Where a relayed question starts: staff forward students' questions with a framing of their own.

"Ticket 2210 - can the field study happen near me?" asks about field study sites; the framing says who
asked or how, not what. Left in, its words pull the question towards topics whose training examples
share them (an applicant's framing towards the application topics), and the sentence vector towards every
other relayed message, whatever they asked. ``question_start`` finds where the question begins:
``RelayFramingTrim`` drops the framing's tokens before the n-grams are counted and the sentence encoder's
``question_only`` reads from there, while the entity extractors still see the whole message (a program
named in the framing counts).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# Words that mark a framing as a relay: who passed the question on, or through which channel.
_CUE = (r"(?:fwd|fw|forward(?:ed|ing)?|relay(?:ed|ing)?|passing\s+(?:this\s+|it\s+)?along|on\s+behalf\s+of|"
        r"ticket|voicemail|inbox|slack|dm|caller|walk-?in|texted|"
        r"(?:question|message|msg|note|e-?mail|call|text)\s+from|"
        r"from\s+(?:a|an|the|our|one\s+of\s+our)\s+(?:[\w-]+\s+){0,2}?"
        r"(?:applicant|student|prospect|parent|caller|visitor|admit))")
# A framing of a few words ending in a colon, a dash or (after "on behalf of ...") a comma:
# "fwd from an applicant:", "Ticket 4471 -", "On behalf of an admitted student,".
_FRAMED = re.compile(rf"\s*(?=[^:?\n]{{0,120}}?\b{_CUE}\b)[^:?\n]{{2,120}}?(?::|\s[-\u2013\u2014]+\s)\s*"
                     r"|\s*on\s+behalf\s+of\s+[^,:?\n]{2,60},\s*", re.IGNORECASE)
# A framing that runs into the question: "A caller wants to know whether ...", "Student emailed asking if ...".
_RUNNING = re.compile(
    r"\s*(?:(?:a|an|the|one\s+of\s+our|our)\s+)?(?:[\w-]+\s+){0,4}?"
    r"(?:student|applicant|caller|prospect|parent|walk-?in|visitor|admit)s?\b[^?.:]{0,60}?\b"
    r"(?:asks|asked|is\s+asking|was\s+asking|wants\s+to\s+know|wanted\s+to\s+know|would\s+like\s+to\s+know|"
    r"is\s+wondering|wonders|emailed\s+asking|called\s+asking|writes|wrote)\s*[:,]?\s*(?:(?:whether|if)\s+)?",
    re.IGNORECASE)
MIN_QUESTION_CHARS = 8
# Where RelayFramingTrim found the question to start, kept on the message for the sentence encoder.
QUESTION_START = "relay_question_start"


def question_start(text: str) -> int:
    """The index where the relayed question begins in ``text`` (0 when there is no relay framing).

    Framings nest ("fwd: applicant wants to know whether ..."): each is taken off in turn.
    """
    start = 0
    for pattern in (_FRAMED, _RUNNING):
        match = pattern.match(text, start)
        if match and len(text) - match.end() >= MIN_QUESTION_CHARS:
            start = match.end()
    return start


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class RelayFramingTrim(GraphComponent):
    """Drops a relayed message's framing from its tokens: the n-gram featurizers then count the question only.

    Place it after the tokenizer and the entity extractors (a program named in the framing, "online MIM
    applicant asks ...", is still found) and before the featurizers; training examples are trimmed the same
    way. Pair it with the sentence encoder's ``question_only`` so the sentence vector reads the question alone.
    """

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> RelayFramingTrim:
        return cls()

    @staticmethod
    def trim(message: Message) -> None:
        """Keep the tokens from where the question starts (all of them when there is no framing)."""
        tokens = message.get(TOKENS_NAMES[TEXT])
        start = question_start(message.get(TEXT) or "")
        message.set(QUESTION_START, start)
        if tokens and start:
            kept = [t for t in tokens if t.start >= start]
            if kept:
                message.set(TOKENS_NAMES[TEXT], kept)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.trim(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self.trim(message)
        return training_data
