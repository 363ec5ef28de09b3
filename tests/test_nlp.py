"""The spaCy pipeline the project builds: entities from the knowledge store's names, lemmas from lookups."""

from __future__ import annotations

import pytest

from bot.knowledge.store import KnowledgeStore
from bot.nlu import spacy_pipeline


@pytest.fixture(scope="module")
def pipeline():
    from tests.conftest import fresh_store

    return spacy_pipeline.build(fresh_store().synonyms())


@pytest.mark.parametrize(("text", "expected"), [
    ("How long is the M.L.S. program?", [("program", "MLS")]),
    ("is the mim accredited", [("program", "MIM")]),
    ("info sessions at Shady Grove in person?", [("campus", "Shady Grove"), ("delivery_mode", "in-person")]),
    ("what do I take in my first summer of library science", [("term", "first summer"), ("program", "MLS")]),
    ("tell me about eGovernment", [("specialization", "gims")]),
    ("what is the weather like today", []),
    ("I'm in California", [("timezone", "America/Los_Angeles")]),
])
def test_entity_ruler_finds_knowledge_names(pipeline, text, expected) -> None:
    assert [(e.label_, e.ent_id_) for e in pipeline(text).ents] == expected


def test_lookup_lemmatizer_normalises_words(pipeline) -> None:
    assert [t.lemma_ for t in pipeline("sessions are required")] == ["session", "be", "require"]


def test_build_to_disk_is_skipped_when_the_vocabulary_is_unchanged(store: KnowledgeStore, tmp_path) -> None:
    assert spacy_pipeline.build_to_disk(store.synonyms(), tmp_path / "p") is True
    assert spacy_pipeline.build_to_disk(store.synonyms(), tmp_path / "p") is False
    import spacy

    loaded = spacy.load(tmp_path / "p")
    assert [e.label_ for e in loaded("the MLS").ents] == ["program"]


@pytest.mark.parametrize(("text", "crisis"), [
    ("I'm thinking of hurting myself tonight", True),
    ("another student THREATENED me after class", False),  # not a listed phrase: left to the classifier
    ("someone keeps threatening   me", True),
    ("I don\u2019t feel safe", True),
    ("my self-harm is getting worse", True),
    ("what grapes grow in Maryland", False),
    ("is the campus safe at night", False),
    ("is there a field study in the school library track", False),
])
def test_crisis_phrases_override_the_classifier(text, crisis) -> None:
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.safety import CrisisPhraseClassifier

    table = [{"name": "crisis_phrases", "elements": ["hurting myself", "threatening me", "don't feel safe",
                                                     "self-harm", "raped"]}]
    classifier = CrisisPhraseClassifier({"lookup_table": "crisis_phrases", "intent": "crisis"}, None, None,
                                        phrases=table[0]["elements"])
    message = Message(data={"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.6},
                            "intent_ranking": [{"name": "faq", "confidence": 0.4}]})
    classifier.process([message])
    assert (message.get("intent")["name"] == "crisis") is crisis
    if crisis:
        assert [r["name"] for r in message.get("intent_ranking")] == ["crisis", "faq"]


def test_crisis_phrases_are_kept_with_the_model(tmp_path) -> None:
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.nlu.safety import CrisisPhraseClassifier

    storage, resource = LocalModelStorage(tmp_path), Resource("crisis")
    config = CrisisPhraseClassifier.get_default_config()
    trained = CrisisPhraseClassifier.create(config, storage, resource, None)
    trained.train(TrainingData(lookup_tables=[{"name": "crisis_phrases", "elements": ["stalking me"]},
                                              {"name": "other", "elements": ["credits"]}]))
    loaded = CrisisPhraseClassifier.load(config, storage, resource, None)
    assert loaded.phrases == ["stalking me"]
    [message] = loaded.process([Message(data={"text": "someone is stalking me"})])
    assert message.get("intent") == {"name": "crisis", "confidence": 1.0}
    with pytest.raises(ValueError, match="no lookup table named 'crisis_phrases'"):
        trained.train(TrainingData())


@pytest.mark.parametrize(("above_threshold", "expected"), [(0.0, "crisis"), (-0.01, "faq")])
def test_a_crisis_ranked_second_with_some_weight_is_treated_as_one(above_threshold, expected) -> None:
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.safety import CrisisPhraseClassifier

    crisis_confidence = CrisisPhraseClassifier.get_default_config()["min_confidence"] + above_threshold
    classifier = CrisisPhraseClassifier(CrisisPhraseClassifier.get_default_config(), None, None, phrases=["suicide"])
    message = Message(data={"text": "I don't see the point of anything", "intent": {"name": "faq", "confidence": 0.9},
                            "intent_ranking": [{"name": "faq", "confidence": 0.9},
                                               {"name": "crisis", "confidence": crisis_confidence}]})
    classifier.process([message])
    assert message.get("intent")["name"] == expected


@pytest.mark.parametrize(("text", "taken"), [
    ("i took like 30 tylenol an hour ago. can you still give me the admissions phone number", True),
    ("actually i just swallowed all my sleeping pills", True),
    ("I just swallowed a handful of my mom's pills", True),
    ("took about forty of my sleeping tablets", True),
    ("I took 2 advil for my headache, how long is the MLS?", False),  # a dose, not an overdose
    ("I took 12 credits last year", False),
    ("we ate 20 pizzas at orientation", False),
    ("I took a lot of medicine classes in undergrad, is the MLS a good fit?", False),
    ("At my branch I took all the tablets out of the kids' area for repairs.", False),
    ("I took dozens of medication history interviews as a pharmacy tech", False),
    ("took 10 mg of my meds like every morning", False),
    ("took all my meds this morning, does the MLS have a health plan?", False),  # a day's dose
])
def test_an_overdose_told_is_a_crisis_whatever_the_classifier_said(text, taken) -> None:
    assert read_as_crisis(text, "out_of_scope") is taken


def read_as_crisis(text: str, intent: str) -> bool:
    """Whether the safety net makes a message the classifier read as ``intent`` a crisis (no phrase but 'suicide')."""
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.safety import CrisisPhraseClassifier

    classifier = CrisisPhraseClassifier(CrisisPhraseClassifier.get_default_config(), None, None, phrases=["suicide"])
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                            "intent_ranking": [{"name": intent, "confidence": 0.9}]})
    classifier.process([message])
    return message.get("intent")["name"] == "crisis"


@pytest.mark.parametrize(("text", "told"), [
    ("is the MIM accredited or whatever... I can't stop thinking about jumping off the parking garage and I'm up on "
     "the top level right now", True),
    ("she said she'd jump off the roof of her dorm tonight", True),
    ("thinking of stepping in front of a train after work", True),
    ("thanks. tell my sister she can have my laptop and my cat. I won't need anything after tonight.", True),
    ("By the time anyone reads this I'll be gone. Tell my kids their mom loved them.", True),
    ("this is a good jumping-off point for my career, which track?", False),
    ("can I jump from the MLS to the MIM?", False),
    ("I jump off the train at Union Station, is College Park close?", False),
    ("I won't need a laptop after graduation", False),
    ("by the time I finish the program will ELMS change?", False),
    ("tell my boss I loved the session", False),
    # from the review: crises the first patterns missed, harmless messages they paged for
    ("I keep thinking about jumping from the 10th floor", True),
    ("I want to walk into traffic", True),
    ("i want to jump of the bridge", True),
    ("tell my family I love them", True),
    ("my sister can have my laptop and my cat", True),
    ("once you read this I'll be gone", True),
    ("do I need to walk from the garage to the building?", False),
    ("can we step out of the building for lunch?", False),
    ("by the time you see this email I'll have submitted my application", False),
    ("by the time you get this I'll be gone on vacation", False),
    ("I won't need my car after tomorrow since the classes are online, right?", False),
    ("tell my family that I am sorry I missed the info session lol", False),
    ("we jumped into the lake at orientation", False),
    # the second review: an end told in common words, narrowed
    ("this is goodbye. thank you for everything", True), ("this is goodbye to my weekends lol", False),
    ("I'm thinking about ending things", True), ("thinking about ending things with my current employer", False),
    ("I've been giving my stuff away this week", True), ("giving my stuff away before I move to campus", False),
    ("I'm not safe right now", True), ("the roads are not safe right now", False),
    ("I'm lying on the train tracks", True), ("waiting on the train tracks for the metro to pass", False),
    # a note and the way decided, together
    ("I won't be at any orientation. I've written the note and I know exactly how I'm going to do it.", True),
    ("I know when I'll do it now, I wrote a note for my wife", True),
    ("I've written the note to my recommender, when will I hear back?", False),
    ("I know exactly how I'm going to do it: two courses a term while working", False),
    # the third review: notes to someone and times named are no farewell; a death, then joining the one who died
    ("I've written the note to my boss and I know when I'm going to do it: the day I get admitted.", False),
    ("I wrote the note for my resignation and I know when I'll do it: the week orientation starts.", False),
    ("I've written the note and I know when I'm going to do it, right after I'm admitted", False),
    ("my mom died last month and I want to join her", True),
    ("since my sister died I keep thinking about joining her", True),
    ("my mom passed and I want to join her in the program", False),
    ("I've written the note. I know how I'm going to do it.", True), ("note's written. tonight's the night.", True),
    ("I've left a note on the kitchen table and I'm doing it tonight", True),
    ("I wrote letters to my kids and picked the day.", True),
    ("I left a note for my recommender explaining how to do it", False),
    ("I'm writing a note to my professor about how to do it", False),
    ("I left a note on my supervisor's desk about the schedule; when I'll do it depends on the course load.", False),
    ("tonight's the night I submit my application!", False),
    ("I figured out how I'm going to do it. Tonight.", True),
    ("I figured out how I'm going to do it: two courses a term", False),
    ("by the time they call back it'll be too late", True),
    ("by the time they call back it'll be too late to apply for fall", False),
    # A means kept at hand: a drug, never for a purpose nor a life saved.
    ("my workload is killing me and I have pills saved up", True),
    ("been stockpiling my meds", True),
    ("I have enough morphine saved up", True),
    ("I keep my insulin ready for the orientation visit, is there a fridge?", False),
    ("I work at a pharmacy with stockpiled medications for emergencies", False),
    ("Are the loaner tablets ready for pickup before orientation?", False),
    ("I'm saving up for tablets for my school library", False),
    ("These meds saved my life and now I'm ready to go back to school", False),
    ("my grandma hoards her pills and it drives me crazy lol", False),
])
def test_a_jump_or_a_farewell_told_is_a_crisis_whatever_the_classifier_said(text, told) -> None:
    assert read_as_crisis(text, "faq") is told
