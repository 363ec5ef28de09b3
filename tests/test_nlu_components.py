"""The project's own NLU components: the sentence encoder, distilled embeddings and the topic confidence gate."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import static_embeddings
from bot.nlu.topic_gate import TopicConfidenceGate, hesitant


def tiny_table(directory: Path) -> Path:
    """A four-word WordPiece vocabulary with 3-dimensional vectors."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {"[UNK]": 0, "field": 1, "study": 2, "##s": 3}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(directory / static_embeddings.TOKENIZER_FILE))
    table = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)
    np.save(directory / static_embeddings.VECTORS_FILE, table)
    return directory


def test_a_word_is_the_mean_of_its_pieces(tmp_path) -> None:
    vectors = static_embeddings.TokenVectors(tiny_table(tmp_path / "e"))
    assert vectors.word("field").tolist() == [1, 0, 0]
    assert vectors.word("studys").tolist() == [0, 0.5, 0.5]
    assert vectors.word("").tolist() == [0, 0, 0]


def test_the_featurizer_adds_one_vector_per_token_and_their_mean(tmp_path) -> None:
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer

    path = tiny_table(tmp_path / "e")
    featurizer = static_embeddings.StaticEmbeddingFeaturizer(
        {**static_embeddings.StaticEmbeddingFeaturizer.get_default_config(), "path": str(path),
         "alias": "static"}, "static")
    message = Message({TEXT: "field studys"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence.features.tolist() == [[1, 0, 0], [0, 0.5, 0.5]]
    assert sentence.features.tolist() == [[0.5, 0.25, 0.25]]


def test_missing_embeddings_say_how_to_build_them(tmp_path) -> None:
    with pytest.raises(static_embeddings.EncoderError, match="nlp distill"):
        static_embeddings.StaticEmbeddingFeaturizer({"path": str(tmp_path), "alias": "x"}, "x")


def test_weights_other_than_the_pinned_ones_are_refused(tmp_path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"not the model")
    with pytest.raises(static_embeddings.EncoderError, match="expected 53aa5117"):
        static_embeddings.check_weights(tmp_path)


def test_the_installed_encoder_is_the_pinned_one() -> None:
    static_embeddings.check_weights(static_embeddings.encoder_dir())


@pytest.mark.parametrize(("ranking", "expected"), [
    ([{"confidence": 0.9}, {"confidence": 0.05}], False),
    ([{"confidence": 0.45}, {"confidence": 0.05}], True),   # below the threshold
    ([{"confidence": 0.52}, {"confidence": 0.46}], True),   # too close to the runner-up
    ([{"confidence": 0.7}], False),
    ([], False),
])
def test_hesitant_topic_choice(ranking, expected) -> None:
    assert hesitant(ranking, threshold=0.5, margin=0.1) is expected


def message(intent: str, topics: list[tuple[str, float]]) -> Message:
    ranking = [{"intent_response_key": f"faq/{t}", "confidence": c} for t, c in topics]
    msg = Message({TEXT: "q"})
    msg.set(INTENT, {"name": intent, "confidence": 0.9})
    msg.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.9}])
    msg.set("response_selector", {"faq": {"ranking": ranking, "response": {}}})
    return msg


def test_the_gate_turns_a_hesitant_topic_into_the_fallback_and_keeps_the_ranking() -> None:
    gate = TopicConfidenceGate(TopicConfidenceGate.get_default_config())
    unsure, sure, other = (message("faq", [("credits", 0.5), ("duration", 0.45)]),
                           message("faq", [("credits", 0.95)]), message("greet", [("credits", 0.1)]))
    gate.process([unsure, sure, other])
    assert unsure.get(INTENT)["name"] == "nlu_fallback"
    assert [i["name"] for i in unsure.get(INTENT_RANKING_KEY)] == ["nlu_fallback", "faq"]
    assert sure.get(INTENT)["name"] == "faq" and other.get(INTENT)["name"] == "greet"


def fallback_message(ranking: list[tuple[str, float]], topics: list[tuple[str, float]]) -> Message:
    msg = message("faq", topics)
    msg.set(INTENT, {"name": "nlu_fallback", "confidence": 0.5})
    msg.set(INTENT_RANKING_KEY, [{"name": "nlu_fallback", "confidence": 0.5}] +
            [{"name": n, "confidence": c} for n, c in ranking])
    return msg


def test_a_sure_topic_lifts_the_fallback_only_when_the_faq_intent_leads() -> None:
    gate = TopicConfidenceGate(TopicConfidenceGate.get_default_config())
    rescued = fallback_message([("faq", 0.37), ("follow_up", 0.17)], [("duration", 0.96), ("credits", 0.01)])
    off_topic = fallback_message([("out_of_scope", 0.39), ("faq", 0.22)], [("tuition", 0.93)])
    unsure = fallback_message([("faq", 0.37), ("follow_up", 0.17)], [("duration", 0.6), ("credits", 0.3)])
    gate.process([rescued, off_topic, unsure])
    assert rescued.get(INTENT) == {"name": "faq", "confidence": 0.37}
    assert [i["name"] for i in rescued.get(INTENT_RANKING_KEY)] == ["faq", "follow_up"]
    assert off_topic.get(INTENT)["name"] == "nlu_fallback" and unsure.get(INTENT)["name"] == "nlu_fallback"


@pytest.mark.parametrize("text", [
    "A" * 200_000 + "\U0001F600" * 5000,
    "\U0001F600" * 3000,
    ("word " * 1000) + "x" * 5000,
])
def test_the_worst_inputs_are_cut_before_tokenizing(text) -> None:
    from bot.nlu.text_limit import TextLimit

    message = Message({TEXT: text})
    TextLimit(TextLimit.get_default_config()).process([message])
    cut = message.get(TEXT)
    assert len(cut) <= 2000 + 2000 // 60
    assert max(len(word) for word in cut.split()) <= 60


def test_ordinary_messages_are_left_alone() -> None:
    from bot.nlu.text_limit import limited

    question = "How many credits is the online MLS? See https://ischool.umd.edu/mls for context."
    assert limited(question, 2000, 60) == question


def test_a_topic_button_is_the_faq_intent_and_that_topic() -> None:
    gate = TopicConfidenceGate(TopicConfidenceGate.get_default_config())
    clicked = fallback_message([("faq", 0.3)], [("credits", 0.3), ("duration", 0.3)])
    clicked.set(TEXT, "/faq/field_study_hours")
    gate.process([clicked])
    assert clicked.get(INTENT) == {"name": "faq", "confidence": 1.0}
    assert clicked.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/field_study_hours"


ENCODER_GRAPHS = Path(__file__).resolve().parent.parent / "build" / "sentence-encoder"


@pytest.fixture(scope="module")
def encoder():
    from bot.nlu.sentence_encoder import SentenceEncoder

    return SentenceEncoder(static_embeddings.encoder_dir(), ENCODER_GRAPHS, "int8")


@pytest.fixture(scope="module")
def reference_vectors():
    """Sentence vectors from the reference implementation (transformers, TensorFlow) of the same weights."""
    from transformers import TFBertModel

    model = TFBertModel.from_pretrained(str(static_embeddings.encoder_dir()))

    def vectors(encoder, texts):
        rows = []
        for text in texts:
            ids = np.array([encoder.tokenizer.encode(text).ids], dtype=np.int32)
            hidden = model(input_ids=ids, attention_mask=np.ones_like(ids)).last_hidden_state.numpy()[0]
            rows.append(hidden.mean(axis=0) / np.linalg.norm(hidden.mean(axis=0)))
        return np.stack(rows)
    return vectors


REFERENCE_TEXTS = ["hi", "Which specializations can I choose in the MIM?", "is there a practicum",
                   "I have worked in a public library for six years and would like to know whether the online "
                   "MLS lets me do the field study where I work now, because I cannot move"]


def test_the_float32_graph_computes_what_the_reference_implementation_does(reference_vectors) -> None:
    from bot.nlu.sentence_encoder import SentenceEncoder

    graph = SentenceEncoder(static_embeddings.encoder_dir(), ENCODER_GRAPHS, "fp32")
    ours = np.stack([e[0] for e in graph.encode(REFERENCE_TEXTS)])
    assert np.abs(ours - reference_vectors(graph, REFERENCE_TEXTS)).max() < 1e-4


def test_the_float32_vectors_are_the_same_bits_on_one_thread_or_two() -> None:
    # The featurizer encodes on two threads for latency; training and evaluation figures must not depend on it.
    from bot.nlu.sentence_encoder import SentenceEncoder

    texts = REFERENCE_TEXTS + ["how many credits is the field study, and can I do it where I work?",
                               "is there a way around the orientation visit if I live overseas?"]
    one, two = (SentenceEncoder(static_embeddings.encoder_dir(), ENCODER_GRAPHS, "fp32", threads=n).encode(texts)
                for n in (1, 2))
    for (sentence_1, pieces_1, _), (sentence_2, pieces_2, _) in zip(one, two):
        assert np.array_equal(pieces_1, pieces_2) and np.array_equal(sentence_1, sentence_2)


def test_the_int8_graph_stays_close_to_the_reference(encoder, reference_vectors) -> None:
    ours = np.stack([e[0] for e in encoder.encode(REFERENCE_TEXTS)])
    cosines = (ours * reference_vectors(encoder, REFERENCE_TEXTS)).sum(axis=1)
    assert cosines.min() > 0.97, cosines


def test_a_damaged_graph_is_written_again(tmp_path) -> None:
    from bot.nlu import encoder_graph

    first = encoder_graph.ensure(static_embeddings.encoder_dir(), tmp_path, "fp32")
    first.write_bytes(first.read_bytes()[:1000])  # a half-written or tampered file
    again = encoder_graph.ensure(static_embeddings.encoder_dir(), tmp_path, "fp32")
    assert again == first and json.loads(again.with_suffix(".json").read_text())["graph_sha256"] == \
        hashlib.sha256(again.read_bytes()).hexdigest()
    assert again.stat().st_size > 1_000_000


def test_the_encoder_puts_paraphrases_nearer_than_other_topics(encoder) -> None:
    question, paraphrase, other = (e[0] for e in encoder.encode([
        "Which specializations can I choose in the MIM?",
        "what pathways or emphases does the information management degree have",
        "Do I need to visit the campus?"]))
    assert abs(float(np.linalg.norm(question)) - 1) < 1e-5
    assert float(question @ paraphrase) > float(question @ other) + 0.2


def test_a_message_gets_the_same_vector_whatever_it_is_encoded_with(encoder) -> None:
    texts = ["is there a practicum", "a much longer message " * 12 + "about the field study", "MLS?"]
    together = [e[0] for e in encoder.encode(texts)]
    alone = [encoder.encode([t])[0][0] for t in texts]
    for a, b in zip(together, alone):
        assert np.array_equal(a, b)


def test_each_token_gets_the_mean_of_its_word_pieces() -> None:
    from rasa.nlu.tokenizers.tokenizer import Token

    from bot.nlu.sentence_encoder import token_vectors

    pieces = np.array([[1, 0], [0, 1], [3, 4]], dtype=np.float32)
    offsets = [(0, 4), (4, 6), (7, 12)]  # "prac" "##ti"… of "practi field"
    tokens = [Token("practi", 0, 6), Token("field", 7, 12), Token("?", 20, 21)]
    sentence = np.array([0.6, 0.8], dtype=np.float32)
    vectors = token_vectors(tokens, pieces, offsets, sentence)
    assert np.allclose(vectors[0], [2 ** -0.5, 2 ** -0.5])  # the two pieces' mean, length 1
    assert np.allclose(vectors[1], [0.6, 0.8])
    assert np.allclose(vectors[2], sentence)  # cut by truncation: the sentence stands in


def test_the_featurizer_gives_every_token_and_the_sentence_a_vector(encoder) -> None:
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer

    from bot.nlu.sentence_encoder import SentenceEncoderFeaturizer

    featurizer = SentenceEncoderFeaturizer(
        {**SentenceEncoderFeaturizer.get_default_config(), "alias": "encoder"}, "encoder")
    message = Message({TEXT: "how long is the field study"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    featurizer.process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence.features.shape == (6, encoder.dimensions)
    assert sentence.features.shape == (1, encoder.dimensions)
