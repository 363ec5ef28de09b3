"""A Rasa training-data importer that declares the FAQ topics held in the knowledge store.

The response selector needs a response per retrieval-intent topic (``utter_faq/<topic>``). The answers
themselves stay in the knowledge store, read by ``action_answer_faq`` at run time so staff can edit them
without retraining; the response declared here is only the topic's title, which also serves as the
label of a "did you mean" button.
"""

from __future__ import annotations

from typing import Dict, Optional, Text

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.config import load_settings
from bot.conversation.parse import RETRIEVAL_INTENT
from bot.knowledge.store import open_store


class KnowledgeTopicsImporter(TrainingDataImporter):
    """Adds one ``utter_faq/<topic>`` response per knowledge topic to the domain."""

    def __init__(self, config_file: Optional[Text] = None, domain_path: Optional[Text] = None,
                 training_data_paths: Optional[Text] = None) -> None:
        self.config_file = config_file

    def get_domain(self) -> Domain:
        """Responses named after the store's topics, with the topic title as text."""
        store = open_store(load_settings())
        responses = {}
        for topic in store.topics():
            title = next(v.title for v in store.answer_variants(topic))
            responses[f"utter_{RETRIEVAL_INTENT}/{topic}"] = [{"text": title}]
        return Domain.from_dict({"responses": responses})

    def get_stories(self, exclusion_percentage: Optional[int] = None) -> StoryGraph:
        """No stories: those come from data/."""
        return StoryGraph([])

    def get_config(self) -> Dict:
        """No configuration: config.yml is read by the file importer."""
        return {}

    def get_config_file_for_auto_config(self) -> Optional[Text]:
        """Auto-configuration is not used."""
        return None

    def get_nlu_data(self, language: Optional[Text] = "en") -> TrainingData:
        """No NLU data: examples live in data/nlu/."""
        return TrainingData()
