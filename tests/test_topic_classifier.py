"""The classifier over sentence vectors: Rasa's intent and response-selector outputs, stored as arrays."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.topic_classifier import EncoderTopicClassifier, softmax

# Four labels in two dimensions: two FAQ topics near each other, two plain intents elsewhere.
CENTRES = {"faq/credits": (1.0, 0.2), "faq/duration": (1.0, -0.2), "greet": (-1.0, 0.0), "out_of_scope": (0.0, -1.0)}


def message(vector, label: str | None = None) -> Message:
    data = {TEXT: "x"}
    if label:
        intent, _, topic = label.partition("/")
        data[INTENT] = intent
        if topic:
            data[INTENT_RESPONSE_KEY] = label
    found = Message(data)
    found.add_features(Features(np.array([vector], dtype=np.float32), FEATURE_TYPE_SENTENCE, TEXT, "encoder"))
    return found


def training_data() -> TrainingData:
    rng = np.random.default_rng(0)
    examples = [message(np.array(centre) + rng.normal(0, 0.05, 2), label)
                for label, centre in CENTRES.items() for _ in range(10)]
    return TrainingData(examples, responses={"utter_faq/credits": [{"text": "Credits"}],
                                             "utter_faq/duration": [{"text": "Duration"}]})


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path), Resource("classifier")


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def trained(storage) -> EncoderTopicClassifier:
    model_storage, resource = storage
    classifier = EncoderTopicClassifier.create(EncoderTopicClassifier.get_default_config(), model_storage,
                                               resource, context())
    classifier.train(training_data())
    return classifier


def test_a_topic_question_gets_the_faq_intent_and_its_topic_with_rankings(storage) -> None:
    classifier = trained(storage)
    asked = message((1.0, 0.25))
    classifier.process([asked])
    intent, ranking = asked.get(INTENT), asked.get("intent_ranking")
    assert intent["name"] == "faq" and intent["confidence"] > 0.9
    assert [r["name"] for r in ranking][0] == "faq" and len(ranking) == 3  # faq, greet, out_of_scope
    assert abs(sum(r["confidence"] for r in ranking) - 1) < 1e-6
    selected = asked.get("response_selector")["faq"]
    assert selected["response"][INTENT_RESPONSE_KEY] == "faq/credits"
    assert selected["response"]["utter_action"] == "utter_faq/credits"
    assert selected["response"]["responses"] == [{"text": "Credits"}]
    topics = selected["ranking"]
    assert [t[INTENT_RESPONSE_KEY] for t in topics] == ["faq/credits", "faq/duration"]
    assert abs(sum(t["confidence"] for t in topics) - 1) < 1e-6  # the topic's share of the FAQ probability
    assert asked.get("response_selector")["all_retrieval_intents"] == ["faq"]


def test_a_plain_intent_is_named_by_itself(storage) -> None:
    classifier = trained(storage)
    hello = message((-1.0, 0.05))
    classifier.process([hello])
    assert hello.get(INTENT)["name"] == "greet"


def test_between_two_topics_the_topic_ranking_shows_the_doubt(storage) -> None:
    classifier = trained(storage)
    between = message((1.0, 0.0))
    classifier.process([between])
    first, second = between.get("response_selector")["faq"]["ranking"][:2]
    assert first["confidence"] - second["confidence"] < 0.5


def test_the_stored_classifier_gives_the_same_answers(storage) -> None:
    classifier = trained(storage)
    model_storage, resource = storage
    loaded = EncoderTopicClassifier.load(EncoderTopicClassifier.get_default_config(), model_storage, resource,
                                         context())
    probe = [message((0.9, 0.3)), message((-0.8, -0.1)), message((0.1, -0.9))]
    assert np.allclose(classifier.probabilities(probe), loaded.probabilities(probe))
    assert loaded.labels == sorted(CENTRES)


def test_probabilities_are_those_of_the_fitted_model() -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(60, 4)), [str(i % 3) for i in range(60)]
    model = LogisticRegression(C=300, max_iter=5000).fit(x, y)
    assert np.allclose(softmax(x @ model.coef_.T + model.intercept_), model.predict_proba(x), atol=1e-6)


def test_without_sentence_features_it_says_which_featurizer_is_missing(storage) -> None:
    classifier = trained(storage)
    with pytest.raises(ValueError, match="SentenceEncoderFeaturizer"):
        classifier.process([Message({TEXT: "no features"})])


def test_an_untrained_classifier_leaves_messages_alone(storage) -> None:
    model_storage, resource = storage
    empty = EncoderTopicClassifier.load({}, model_storage, resource, context())
    untouched = message((1.0, 0.0))
    empty.process([untouched])
    assert untouched.get(INTENT) is None


def with_counts(vector, counts, label: str | None = None) -> Message:
    import scipy.sparse

    found = message(vector, label)
    found.add_features(Features(scipy.sparse.coo_matrix(np.array([counts], dtype=np.float32)),
                                FEATURE_TYPE_SENTENCE, TEXT, "words"))
    return found


def test_word_counts_tell_apart_what_the_sentence_vector_does_not(storage) -> None:
    # Same sentence vector, different words: only the sparse TF-IDF block can separate the two topics.
    model_storage, resource = storage
    examples = [with_counts((1.0, 0.0), [n, 0, 1], "faq/credits") for n in (1, 2, 3)] + \
               [with_counts((1.0, 0.0), [0, n, 1], "faq/duration") for n in (1, 2, 3)]
    classifier = EncoderTopicClassifier.create(EncoderTopicClassifier.get_default_config(), model_storage,
                                               resource, context())
    classifier.train(TrainingData(examples))
    assert set(classifier.idf) == {"words"}
    assert classifier.idf["words"][2] < classifier.idf["words"][0]  # a word in every example weighs least
    asked = with_counts((1.0, 0.0), [0, 1, 1])
    classifier.process([asked])
    assert asked.get("response_selector")["faq"]["response"][INTENT_RESPONSE_KEY] == "faq/duration"
    loaded = EncoderTopicClassifier.load(EncoderTopicClassifier.get_default_config(), model_storage, resource,
                                         context())
    assert np.allclose(loaded.probabilities([asked]), classifier.probabilities([asked]))
    with pytest.raises(ValueError, match="must keep that featurizer"):
        classifier.process([message((1.0, 0.0))])


def test_scores_row_by_row_equal_the_training_features_times_the_weights(storage) -> None:
    model_storage, resource = storage
    rng = np.random.default_rng(2)
    examples = [with_counts(rng.normal(size=2), rng.integers(0, 3, size=6), label)
                for label in ("faq/credits", "faq/duration", "greet") for _ in range(8)]
    classifier = EncoderTopicClassifier.create({**EncoderTopicClassifier.get_default_config(), "sparse_weight": 0.7},
                                               model_storage, resource, context())
    classifier.train(TrainingData(examples))
    asked = [with_counts(rng.normal(size=2), counts) for counts in ([3, 0, 1, 0, 0, 2], [0, 0, 0, 0, 0, 0])]
    expected = softmax(np.asarray(classifier._vectors(asked) @ classifier.weights.T) + classifier.bias)
    assert np.allclose(classifier.probabilities(asked), expected, atol=1e-5)


def test_a_dense_weight_is_folded_into_the_weights_the_fitted_model_saw_it_in_the_features(storage) -> None:
    from sklearn.linear_model import LogisticRegression

    model_storage, resource = storage
    rng = np.random.default_rng(3)
    examples = [with_counts(rng.normal(size=2), rng.integers(0, 3, size=5), label)
                for label in ("faq/credits", "faq/duration", "greet") for _ in range(8)]
    # Strong regularisation (small C), where the scale of a block changes what is learnt.
    config = {**EncoderTopicClassifier.get_default_config(), "C": 0.1, "dense_weight": 2.0}
    classifier = EncoderTopicClassifier.create(config, model_storage, resource, context())
    classifier.train(TrainingData(examples))
    fitted = LogisticRegression(C=config["C"], max_iter=config["max_iter"]).fit(
        classifier._vectors(examples, 2.0), [classifier._label(e) for e in examples])
    asked = [with_counts(rng.normal(size=2), [1, 0, 2, 0, 1])]
    assert np.allclose(classifier.probabilities(asked), fitted.predict_proba(classifier._vectors(asked, 2.0)),
                       atol=1e-5)
    unscaled = EncoderTopicClassifier.create({**config, "dense_weight": 1.0}, model_storage, Resource("other"),
                                             context())
    unscaled.train(TrainingData(examples))
    assert not np.allclose(unscaled.probabilities(asked), classifier.probabilities(asked), atol=1e-3)


@pytest.mark.parametrize(("labels", "class_weight"), [(3, None), (3, "balanced"), (2, None)])
def test_the_fit_is_scikit_learns_logistic_regression(labels: int, class_weight) -> None:
    import scipy.sparse
    from sklearn.linear_model import LogisticRegression

    from bot.nlu.topic_classifier import fit_softmax

    rng = np.random.default_rng(4)
    dense = rng.normal(size=(40, 3))
    counts = scipy.sparse.random(40, 7, density=0.3, random_state=5, format="csr")
    features = scipy.sparse.hstack([scipy.sparse.csr_matrix(dense), counts]).tocsr()
    y = [f"label{i % labels}" for i in range(36)] + ["label0"] * 4  # uneven, for the balanced weights
    names, weights, bias = fit_softmax(features, y, C=5.0, max_iter=5000, dense_columns=3, class_weight=class_weight)
    # Two labels: scikit-learn fits one weight vector (binary); the multinomial form's optimum is that model
    # with half the penalty (the two rows come out opposite, each half the binary vector).
    expected = LogisticRegression(C=5.0 * (2 if labels == 2 else 1), max_iter=5000,
                                  class_weight=class_weight).fit(features, y)
    assert names == list(expected.classes_)
    assert np.allclose(softmax(features @ weights.T + bias), expected.predict_proba(features), atol=1e-4)


def test_an_unknown_class_weight_is_refused() -> None:
    import scipy.sparse

    from bot.nlu.topic_classifier import fit_softmax

    with pytest.raises(ValueError, match="class_weight"):
        fit_softmax(scipy.sparse.csr_matrix(np.eye(2)), ["a", "b"], C=1.0, max_iter=10, class_weight="even")
