"""Intent and FAQ topic in one step: a linear classifier over the sentence encoder's vector and n-grams.

Every training example has one label: its intent, or ``faq/<topic>`` for the retrieval intent. A
multinomial logistic regression gives a probability to each label. Its input is the message's dense
sentence vector (the encoder's: meaning) beside each sparse featurizer's sentence counts (words and
character n-grams: the exact wording, names and typos), those weighted as sublinear TF-IDF with the
training data's document frequencies and scaled to length ``sparse_weight``;
the intent's confidence is the sum over its labels (all FAQ topics together for ``faq``), the topic's is
its share of the FAQ probability. The output is what DIET and Rasa's ``ResponseSelector`` would give:
``intent``, ``intent_ranking`` and ``response_selector`` (prediction and ranking), so the fallback
classifier, the topic gate and the actions read it unchanged.

Why not DIET: on the development sets, DIET over the same n-gram counts (with or without the encoder's
features) learns the training data's vocabulary, while the encoder already knows that "pathways" means
specializations; a linear layer over both generalises to wording the training data lacks and keeps the
precision of the n-grams (README, "Choosing the pipeline"). Training is convex and deterministic: no seed moves it.
The weights are stored as arrays (``.npz``), not pickled.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

WEIGHTS_FILE = "weights.npz"
LABELS_FILE = "labels.json"

logger = logging.getLogger(__name__)


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable for large scores."""
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def fit_softmax(features: scipy.sparse.csr_matrix, labels: Sequence[str], *, C: float, max_iter: int,
                dense_columns: int = 0, class_weight: Optional[str] = None,
                tol: float = 1e-4) -> Tuple[List[str], np.ndarray, np.ndarray]:
    """Multinomial logistic regression with an L2 penalty, fitted by L-BFGS: ``(labels, weights, bias)``.

    scikit-learn's ``LogisticRegression(C, max_iter, class_weight)`` with its lbfgs solver: the same
    objective, scaling and stopping rule, so the same model. The first ``dense_columns`` of ``features`` (the
    sentence vector, dense by nature) are multiplied as a dense array by BLAS and the n-gram block as a
    sparse matrix: half scikit-learn's time on the project's data, where one product over the whole matrix
    held in sparse form cost most of the training run.
    """
    import scipy.optimize
    from threadpoolctl import threadpool_limits

    classes, target = np.unique(np.asarray(labels), return_inverse=True)
    rows, columns, count = features.shape[0], features.shape[1], len(classes)
    dense = np.ascontiguousarray(features[:, :dense_columns].toarray(), dtype=np.float64)
    sparse = features[:, dense_columns:].tocsr().astype(np.float64)
    sparse_t = sparse.T.tocsr()
    weight = np.ones(rows)
    if class_weight == "balanced":  # each label weighs the same, whatever its number of examples
        weight = (rows / (count * np.bincount(target)))[target]
    elif class_weight is not None:
        raise ValueError(f"class_weight must be None or 'balanced', not {class_weight!r}")
    truth = np.zeros((rows, count))
    truth[np.arange(rows), target] = 1.0
    alpha = 1.0 / C

    def loss_and_gradient(flat: np.ndarray) -> Tuple[float, np.ndarray]:
        w, b = flat[:count * columns].reshape(count, columns), flat[count * columns:]
        scores = dense @ w[:, :dense_columns].T + sparse @ np.ascontiguousarray(w[:, dense_columns:].T) + b
        top = scores.max(axis=1, keepdims=True)
        log_norm = top[:, 0] + np.log(np.exp(scores - top).sum(axis=1))
        loss = float(weight @ (log_norm - scores[np.arange(rows), target])) + 0.5 * alpha * float((w * w).sum())
        residual = (np.exp(scores - log_norm[:, None]) - truth) * weight[:, None]
        gradient = np.empty_like(w)
        gradient[:, :dense_columns] = residual.T @ dense
        gradient[:, dense_columns:] = (sparse_t @ residual).T
        gradient += alpha * w
        return loss, np.concatenate([gradient.ravel(), residual.sum(axis=0)])

    # One BLAS thread: how a product is split over threads changes the order of its sums, and so the
    # optimiser's path, with the machine's number of cores (README, "Reproducible across CPUs").
    with threadpool_limits(limits=1, user_api="blas"):
        result = scipy.optimize.minimize(loss_and_gradient, np.zeros(count * (columns + 1)), jac=True,
                                         method="L-BFGS-B", options={"gtol": tol, "maxiter": max_iter})
    if not result.success:
        logger.warning("The topic classifier did not converge in %d iterations: %s", result.nit, result.message)
    logger.info("Topic classifier: %d examples, %d labels, %d features, %d iterations", rows, count, columns,
                result.nit)
    weights = result.x[:count * columns].reshape(count, columns)
    return [str(c) for c in classes], weights.astype(np.float32), result.x[count * columns:].astype(np.float32)


def tfidf(columns: np.ndarray, counts: np.ndarray, idf: np.ndarray, length: float) -> np.ndarray:
    """One message's n-gram counts as sublinear TF-IDF (1 + log count, times idf), scaled to ``length``."""
    values = (1.0 + np.log(np.maximum(counts.astype(np.float32), 1.0))) * idf[columns]
    return (values * (length / max(float(np.sqrt(values @ values)), 1e-9))).astype(np.float32)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class EncoderTopicClassifier(GraphComponent, IntentClassifier):
    """Intents and FAQ topics from the dense sentence features of one featurizer."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "retrieval_intent": "faq",
            "C": 300.0,  # inverse regularisation strength, chosen on the development sets
            "max_iter": 5000,
            "ranking_length": 10,
            "featurizer": None,  # alias of the featurizer whose sentence vectors to use (None: any dense one)
            "sparse_weight": 1.0,  # length of each sparse featurizer's TF-IDF vector (0: the dense vector alone)
            "dense_weight": 1.0,  # length of the dense vector while training (folded into the weights after)
            "class_weight": None,  # "balanced": each label weighs the same in training, whatever its examples
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 labels: Optional[List[str]] = None, weights: Optional[np.ndarray] = None,
                 bias: Optional[np.ndarray] = None, responses: Optional[Dict[str, List[Dict[str, Any]]]] = None,
                 idf: Optional[Dict[str, np.ndarray]] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.labels = labels or []
        self.weights = weights
        self._weights_t: Optional[np.ndarray] = None
        self.bias = bias
        self.responses = responses or {}
        self.idf = idf or {}  # per sparse featurizer (its origin name): inverse document frequencies

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EncoderTopicClassifier:
        return cls(config, model_storage, resource)

    def _dense(self, messages: List[Message]) -> np.ndarray:
        featurizers = [self.config["featurizer"]] if self.config["featurizer"] else None
        rows = []
        for message in messages:
            sentence = message.get_dense_features(TEXT, featurizers)[1]
            if sentence is None:
                raise ValueError("EncoderTopicClassifier needs dense sentence features: put "
                                 "SentenceEncoderFeaturizer before it in the pipeline")
            rows.append(sentence.features[0])
        return np.stack(rows).astype(np.float32)

    @staticmethod
    def _sentence_counts(message: Message) -> Dict[str, scipy.sparse.spmatrix]:
        """Each sparse featurizer's sentence counts for one message (a 1-row matrix), by featurizer."""
        return {f.origin: f.features for f in message.features
                if f.is_sparse() and f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE}

    def _counts(self, messages: List[Message]) -> Dict[str, scipy.sparse.csr_matrix]:
        """Each sparse featurizer's sentence counts, one row per message."""
        rows: Dict[str, list] = defaultdict(list)
        for message in messages:
            for origin, counts in self._sentence_counts(message).items():
                rows[origin].append(counts)
        return {origin: scipy.sparse.vstack(found).tocsr() for origin, found in sorted(rows.items())
                if len(found) == len(messages)}

    @staticmethod
    def _trained_with(found: Optional[scipy.sparse.spmatrix], origin: str, idf: np.ndarray) -> scipy.sparse.spmatrix:
        """``found``, the counts of ``origin``; an error when the pipeline no longer gives them."""
        if found is None or found.shape[1] != idf.shape[0]:
            raise ValueError(f"EncoderTopicClassifier was trained with the sparse features of {origin}: "
                             "the pipeline must keep that featurizer")
        return found

    def _vectors(self, messages: List[Message], dense_weight: float = 1.0) -> scipy.sparse.csr_matrix:
        """The classifier's input: the dense vector (times ``dense_weight``), then each featurizer's scaled TF-IDF."""
        blocks = [scipy.sparse.csr_matrix(self._dense(messages) * dense_weight)]
        counts = self._counts(messages) if self.config["sparse_weight"] else {}
        for origin, idf in self.idf.items():
            found = self._trained_with(counts.get(origin), origin, idf)
            rows = zip(found.indptr[:-1], found.indptr[1:])
            data = np.concatenate([tfidf(found.indices[a:b], found.data[a:b], idf, self.config["sparse_weight"])
                                   for a, b in rows])
            blocks.append(scipy.sparse.csr_matrix((data, found.indices, found.indptr), shape=found.shape))
        return scipy.sparse.hstack(blocks).tocsr()

    def _label(self, message: Message) -> str:
        intent = message.get(INTENT)
        if intent == self.config["retrieval_intent"] and message.get(INTENT_RESPONSE_KEY):
            return message.get(INTENT_RESPONSE_KEY)
        return intent

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the classifier on every intent example; FAQ examples are labelled with their topic."""
        # In one order whatever the files' layout: the fit's float64 sums then follow the same path
        # (the float32 weights it stores hardly move with the order of the rows, but nothing is left to chance).
        examples = sorted((e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)),
                          key=lambda e: (self._label(e), e.get(TEXT)))
        if not examples:
            return self._resource
        self.idf = {}
        if self.config["sparse_weight"]:
            for origin, counts in self._counts(examples).items():
                frequency = np.asarray((counts > 0).sum(axis=0)).ravel()
                self.idf[origin] = (np.log((1 + len(examples)) / (1 + frequency)) + 1).astype(np.float32)
        dense_weight = float(self.config["dense_weight"])
        vectors = self._vectors(examples, dense_weight)
        dense_columns = vectors.shape[1] - sum(len(idf) for idf in self.idf.values())
        self.labels, self.weights, self.bias = fit_softmax(
            vectors, [self._label(e) for e in examples], C=float(self.config["C"]),
            max_iter=int(self.config["max_iter"]), dense_columns=dense_columns,
            class_weight=self.config["class_weight"])
        # Scores of the unscaled dense vector: the same scores as the scaled one's with the fitted weights.
        self.weights[:, :dense_columns] *= dense_weight
        self._weights_t = None
        prefix = f"utter_{self.config['retrieval_intent']}/"
        self.responses = {key: list(value) for key, value in training_data.responses.items()
                          if key.startswith(prefix)}
        with self._model_storage.write_to(self._resource) as directory:
            origins = list(self.idf)
            np.savez(directory / WEIGHTS_FILE, weights=self.weights, bias=self.bias,
                     **{f"idf{i}": self.idf[origin] for i, origin in enumerate(origins)})
            (directory / LABELS_FILE).write_text(json.dumps({"labels": self.labels, "responses": self.responses,
                                                             "sparse_origins": origins}))
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> EncoderTopicClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                with np.load(directory / WEIGHTS_FILE) as stored:  # read whole before the folder may go
                    arrays = dict(stored)
                meta = json.loads((directory / LABELS_FILE).read_text())
        except ValueError:  # nothing was trained (no examples): an empty classifier, like Rasa's own
            return cls(config, model_storage, resource)
        idf = {origin: arrays[f"idf{i}"] for i, origin in enumerate(meta["sparse_origins"])}
        return cls(config, model_storage, resource, meta["labels"], arrays["weights"], arrays["bias"],
                   meta["responses"], idf)

    def probabilities(self, messages: List[Message]) -> np.ndarray:
        """One row per message: the probability of each label in ``self.labels``.

        The same arithmetic as ``self._vectors(messages) @ self.weights.T``, row by row on the few n-grams
        a message has: building the scipy matrices cost 2.5 ms a message, this costs a tenth of that.
        """
        if self._weights_t is None:  # the weight rows of one feature must be contiguous to gather them fast
            self._weights_t = np.ascontiguousarray(self.weights.T)
        return softmax(np.stack([self._scores(message) for message in messages]) + self.bias)

    def _scores(self, message: Message) -> np.ndarray:
        dense = self._dense([message])[0]
        scores = dense @ self._weights_t[:len(dense)]
        offset = len(dense)
        counts = self._sentence_counts(message)
        for origin, idf in self.idf.items():
            row = self._trained_with(counts.get(origin), origin, idf).tocoo()
            scores = scores + tfidf(row.col, row.data, idf, self.config["sparse_weight"]) @ \
                self._weights_t[offset + row.col]
            offset += len(idf)
        return scores

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent, intent ranking and the FAQ topic's prediction and ranking."""
        if self.weights is None:
            return messages
        todo = [m for m in messages if m.get(TEXT)]
        if not todo:
            return messages
        for message, row in zip(todo, self.probabilities(todo)):
            self._set_prediction(message, row)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing later in the pipeline learns from this classifier's output."""
        return training_data

    def _set_prediction(self, message: Message, row: np.ndarray) -> None:
        retrieval = self.config["retrieval_intent"]
        length = self.config["ranking_length"]
        intents: Dict[str, float] = defaultdict(float)
        topics = []
        for label, p in zip(self.labels, row.tolist()):
            intent = label.split("/", 1)[0]
            intents[intent] += p
            if intent == retrieval and "/" in label:
                topics.append((label, p))
        ranking = [{"name": name, "confidence": p}
                   for name, p in sorted(intents.items(), key=lambda item: -item[1])][:length]
        message.set(INTENT, dict(ranking[0]), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        if not topics:
            return
        total = sum(p for _, p in topics) or 1.0
        topic_ranking = [{"id": zlib.crc32(key.encode()), "confidence": p / total, INTENT_RESPONSE_KEY: key}
                         for key, p in sorted(topics, key=lambda item: -item[1])][:length]
        best = topic_ranking[0][INTENT_RESPONSE_KEY]
        utter = f"utter_{best}"
        selector = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
        selector[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [retrieval]
        selector[retrieval] = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(utter, []),
                "confidence": topic_ranking[0]["confidence"],
                INTENT_RESPONSE_KEY: best,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter,
            },
            RESPONSE_SELECTOR_RANKING_KEY: topic_ranking,
        }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
