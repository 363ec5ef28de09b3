"""Cap a message before any other NLU component sees it, whatever channel it came through.

spaCy's tokenizer strips suffixes one at a time over a whole token: 50,000 × "A" followed by 500
emoji took 8.8 s in ``make_doc`` alone, and a 205 KB message pinned the Rasa process for minutes,
with every other conversation waiting. The first component of the pipeline cuts the text to
``max_characters`` (a question never needs more) and breaks runs of non-space characters longer
than ``max_word`` (no word is that long), so the worst input costs what an ordinary message costs.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


def limited(text: str, max_characters: int, max_word: int) -> str:
    """``text`` cut to ``max_characters``, with any longer run of non-space characters broken up."""
    text = text[:max_characters]
    return re.sub(rf"\S{{{max_word}}}(?=\S)", lambda m: m.group(0) + " ", text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class TextLimit(GraphComponent):
    """Cuts over-long messages and words before tokenizing; place it first in the pipeline."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The webchat's own message limit, and a word length no real word reaches."""
        return {"max_characters": 2000, "max_word": 60}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.max_characters = int(config["max_characters"])
        self.max_word = int(config["max_word"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TextLimit:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Limit each message's text in place."""
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(TEXT, limited(text, self.max_characters, self.max_word))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are short already: nothing to do."""
        return training_data
