"""Say "not sure" rather than answer the wrong FAQ topic.

Rasa's FallbackClassifier looks at the intent's confidence only. For this assistant the costly mistake
is one level down: the message is clearly an FAQ question, but the response selector hesitates between
two topics (field-study hours or field-study credits?) or trusts none. Answering the wrong topic is
worse than saying so, so a hesitant topic choice becomes ``nlu_fallback``; the misunderstanding action
then offers the likely topics as "did you mean" buttons (the selector's ranking stays in the parse).

The other way round, the intent classifier sometimes hesitates on a plain FAQ question ("how long does
the mim take": faq first at 0.37, below the fallback threshold) while the response selector is sure of
the topic (duration, 0.96). When the FAQ intent leads the ranking and the topic is that sure, the
fallback is lifted: the question is answered.

A button asking one topic sends "/faq/<topic>"; Rasa's payload parser knows only the domain's intents
("faq"), so this component answers it: the FAQ intent and that topic, with full confidence.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.conversation.parse import RETRIEVAL_INTENT, TOPIC_PAYLOAD

FALLBACK = "nlu_fallback"


def hesitant(ranking: List[Dict[str, Any]], threshold: float, margin: float) -> bool:
    """Whether the selector's best topic is below ``threshold`` or within ``margin`` of the next one."""
    if not ranking:
        return False
    best = ranking[0].get("confidence", 0.0)
    second = ranking[1].get("confidence", 0.0) if len(ranking) > 1 else 0.0
    return best < threshold or best - second < margin


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class TopicConfidenceGate(GraphComponent):
    """Turns an FAQ message whose topic the response selector is unsure of into ``nlu_fallback``."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Minimum confidence of the best topic and minimum lead over the second."""
        return {"threshold": 0.5, "margin": 0.1, "rescue_threshold": 0.9}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.threshold = float(config["threshold"])
        self.margin = float(config["margin"])
        self.rescue_threshold = float(config["rescue_threshold"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TopicConfidenceGate:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Replace the FAQ intent by the fallback where the topic choice hesitates."""
        for message in messages:
            button = TOPIC_PAYLOAD.fullmatch((message.get(TEXT) or "").strip())
            if button:
                self._topic_button(message, button.group(1))
                continue
            intent = message.get(INTENT) or {}
            topics = ((message.get("response_selector") or {}).get(RETRIEVAL_INTENT, {}).get("ranking") or [])
            if intent.get("name") == FALLBACK:
                self._rescue(message, topics)
                continue
            if intent.get("name") != RETRIEVAL_INTENT or not hesitant(topics, self.threshold, self.margin):
                continue
            confidence = 1.0 - float(intent.get("confidence") or 0.0)
            message.set(INTENT, {"name": FALLBACK, "confidence": confidence}, add_to_output=True)
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.set(INTENT_RANKING_KEY, [{"name": FALLBACK, "confidence": confidence}, *ranking],
                        add_to_output=True)
        return messages

    def _rescue(self, message: Message, topics: List[Dict[str, Any]]) -> None:
        """Answer after all when the FAQ intent leads the ranking and its topic is beyond doubt."""
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK]
        if not ranking or ranking[0].get("name") != RETRIEVAL_INTENT:
            return
        if not topics or hesitant(topics, self.rescue_threshold, self.margin):
            return
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)

    @staticmethod
    def _topic_button(message: Message, topic: str) -> None:
        """The FAQ intent and ``topic``, as if the classifier and the selector were certain."""
        key = f"{RETRIEVAL_INTENT}/{topic}"
        message.set(INTENT, {"name": RETRIEVAL_INTENT, "confidence": 1.0}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": RETRIEVAL_INTENT, "confidence": 1.0}], add_to_output=True)
        selected = {"response": {"intent_response_key": key, "confidence": 1.0, "responses": []},
                    "ranking": [{"intent_response_key": key, "confidence": 1.0}]}
        message.set("response_selector", {**(message.get("response_selector") or {}), RETRIEVAL_INTENT: selected},
                    add_to_output=True)

