"""Finding the questions of a message, reading a follow-up with the focus, and the crisis level."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import questions as questions_module
from bot.nlu.questions import (
    IN_FOCUS,
    IN_MESSAGE,
    KIND,
    LEANS,
    NUMBER,
    PARENT,
    QUESTION,
    SHORT,
    STATEMENT,
    Finder,
    QuestionCollector,
    QuestionFinder,
    asks_aloud,
    is_question,
    reading,
    settle_on_focus,
)
from bot.nlu.safety import CRISIS_PHRASE

FINDER = Finder(max_questions=3, min_words=2, max_follow_up_words=8)


@pytest.mark.parametrize(("text", "asks"), [
    ("does the field study count for credit", True),
    ("where is the orientation held", True),
    ("doesnt matter", False),  # "does" + "nt": a statement
    ("don't worry about it", False),
    ("money, my phone, where I go", False),  # a question word before its subject: a statement
    ("what I need is a part-time option", False),
    ("and who i can call about admission", True),  # a question word, its subject, then an auxiliary: asks
    ("By when do I need my technology set up", True),
])
def test_a_sentence_without_a_question_mark_asks_only_in_a_question_s_word_order(text, asks) -> None:
    words = [t.lower_ for t in FINDER.nlp.make_doc(text) if not t.is_punct]
    assert is_question(words, text) is asks



@pytest.mark.parametrize(("text", "questions"), [
    ("Which job positions do MIM graduates hold, and is GRE score necessary for admission?",
     ["Which job positions do MIM graduates hold", "is GRE score necessary for admission?"]),
    ("my inbox is exploding lol, by when do I need my tech set up, and which LMS do you use?",
     ["by when do I need my tech set up", "which LMS do you use?"]),
    ("I'd like to know if the diploma is identical, and whether the online courses are taught by the same faculty.",
     ["I'd like to know if the diploma is identical", "whether the online courses are taught by the same faculty."]),
])
def test_a_clause_asks_after_an_auxiliary_in_a_question_or_after_whether(text, questions) -> None:
    assert FINDER.questions(text) == questions


@pytest.mark.parametrize(("text", "questions"), [
    ("how many credits is the MLS and do I need to do a field study?",
     ["how many credits is the MLS", "do I need to do a field study?"]),
    ("is the MIM fully online, and what specialization does it have?",
     ["is the MIM fully online", "what specialization does it have?"]),
    ("tuition? gre? and how long is it", ["tuition?", "gre?", "how long is it"]),
    ("I work full time and have two kids. Can I do the MIM while working?", ["Can I do the MIM while working?"]),
    ("how many credits and courses are there?", []),  # one question about two things
    ("is it live or recorded", []),
    ("honestly I don't see the point of going on anymore", []),
    ("fees? gre? credits? and how long is it", ["fees?", "gre?", "credits?"]),  # at most three
    # A topic put first belongs to every question after it.
    ("field study: how many hours on site, and what organizations host students?",
     ["field study: how many hours on site", "field study: what organizations host students?"]),
    ("For the online MIM - how long is it and what does it specialize in?",
     ["For the online MIM: how long is it", "For the online MIM: what does it specialize in?"]),
    ("field study: how many hours is it?", []),  # one question: read whole
    ("is it live - or recorded?", []),  # a question, not a topic, before the dash
    # A terse list of topics: one question each, with the phrase after the last.
    ("credits + tuition for the online MLS?", ["credits for the online MLS?", "tuition for the online MLS?"]),
    ("MIM online - specialization, careers, credit hours?",
     ["MIM online: specialization?", "MIM online: careers?", "MIM online: credit hours?"]),
    ("length and cost?", ["length?", "cost?"]),
    ("can I work and study at the same time?", []),
    ("hey, does the online MLS make you come to campus ever, and how many credits is the whole thing?",
     ["does the online MLS make you come to campus ever", "how many credits is the whole thing?"]),
    # A hedge before the question word, a short sentence going on with "and", a list marked by "+".
    ("how many credits is the MLS, and roughly how long does it take?",
     ["how many credits is the MLS", "roughly how long does it take?"]),
    ("tuition for online mim? and # of years", ["tuition for online mim?", "# of years"]),
    ("cost + length of online mls", ["cost of online mls?", "length of online mls?"]),
    ("how long is the MLS? and I work full time", ["how long is the MLS?"]),  # the question among what it tells
    ("how long is it? and if so", ["how long is it?"]),
    ("MLS + MIM", []),
    ("two things: is the online MIM fully online, and how many courses would I take each term?",
     ["is the online MIM fully online", "how many courses would I take each term?"]),  # it counts, names nothing
    ("field study q's: credits? hours?", ["field study q's: credits?", "field study q's: hours?"]),
    ("Could you let me know (a) the specialization in the online MIM, (b) typical roles graduates hold, and (c) "
     "program length?", ["the specialization in the online MIM?", "typical roles graduates hold?", "program length?"]),
    ("Please advise on the technology requirements. Are courses synchronous?",
     ["Please advise on the technology requirements.", "Are courses synchronous?"]),  # a request asks
    ("I have two questions: what's the total number of credits for the online MLS, and is there a required campus "
     "visit?", ["what's the total number of credits for the online MLS", "is there a required campus visit?"]),
    ("Q & A sessions for the online mls", []),  # "&" names one thing
    ("I was wondering, exactly how many credits is it?", []),  # a hedge opens a question only after "and"
])
def test_the_questions_of_a_message(text, questions) -> None:
    assert FINDER.questions(text) == questions


@pytest.mark.parametrize(("text", "focus", "read"), [
    ("how many credits is it?", "the field study", "how many credits is the field study?"),
    ("when is it?", "the campus orientation visit", "when is the campus orientation visit?"),
    ("what if I miss one?", "the live online classes", "the live online classes: what if I miss one?"),
    ("do I need a GRE for the MLS program or not at all, really?", "the field study", None),  # too long
    ("how many credits is it?", "", None),
    ("when", "the field study", "when is the field study?"),  # a question word alone asks it of the focus
    ("and where?", "the information sessions", "where is the information sessions?"),
    ("who supervises me there?", "the field study", "who supervises me at the field study?"),
    ("is there a report?", "the field study", "the field study: is there a report?"),  # "there" says "exists"
    ("when is that visit?", "the campus orientation visit", "when is the campus orientation visit?"),  # it names it
    ("can I skip that trip?", "the field study", "can I skip the field study trip?"),
    ("is that required?", "the field study", "is the field study required?"),  # "that" of no noun
    ("so it's all online?", "the two programs", "so the two programs is all online?"),
    ("that's it, thanks", "the field study", "the field study's it, thanks"),  # no "is" for "that's"
])
def test_a_follow_up_is_read_with_the_focus(text, focus, read) -> None:
    found = FINDER.in_focus(text, focus)
    assert (found[0] if found else None) == read


def test_a_long_message_ending_in_a_short_question_has_that_question_read_with_the_focus() -> None:
    finder = QuestionFinder(QuestionFinder.get_default_config())
    message = Message(data={TEXT: "ugh, I'd honestly rather not fly all that way, any way around it?",
                            "metadata": {"context": {"focus": "the campus orientation visit"}}})
    read = [m.get(TEXT) for m in finder.process([message])[1:] if m.get(KIND) == IN_FOCUS]
    assert read == ["any way around the campus orientation visit?"]


def test_the_finder_adds_a_message_per_question_and_one_read_with_the_focus() -> None:
    finder = QuestionFinder(QuestionFinder.get_default_config())
    message = Message(data={TEXT: "how long is it and what about summer?",
                            "metadata": {"context": {"focus": "the program"}}})
    out = finder.process([message])
    assert out[0] is message
    assert [(m.get(TEXT), m.get(KIND), m.get(PARENT)) for m in out[1:]] == [
        ("how long is it", QUESTION, 0), ("what about summer?", QUESTION, 0),
        ("what about summer? how long is it", IN_MESSAGE, 0),
        ("how long is the program and what about summer?", IN_FOCUS, 0)]


@pytest.mark.parametrize(("text", "loss"), [
    ("My grandfather passed away last week and I can't think straight. Can I push my start back a year?", True),
    ("I've been a circulation clerk for six years and I work nights. How many classes would I take at once?", False),
])
def test_a_story_telling_of_a_loss_is_marked_for_condolences(text, loss) -> None:
    message = Message(data={TEXT: text})
    QuestionFinder(QuestionFinder.get_default_config()).process([message])
    assert message.get("story") and bool(message.get("loss")) is loss


def labelled(text: str, intent: str, confidence: float, kind: str | None = None, topic: str | None = None,
             phrase: bool = False) -> Message:
    data = {TEXT: text, INTENT: {"name": intent, "confidence": confidence}}
    if topic:
        data["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{topic}", "confidence": 1.0}}}
    if kind:
        data[PARENT], data[KIND] = 0, kind
    message = Message(data=data)
    if phrase:
        message.set(CRISIS_PHRASE, True)
    return message


def collect(*messages: Message) -> Message:
    out = QuestionCollector(QuestionCollector.get_default_config()).process(list(messages))
    assert len(out) == 1
    return out[0]


def leaning(text: str, topic: str, confidence: float = 0.9) -> Message:
    """A follow-up read with the focus, pointing at it."""
    focused = labelled(text, "faq", confidence, IN_FOCUS, topic=topic)
    focused.set(LEANS, True)
    return focused


def test_a_crisis_with_a_harmless_reading_in_context_is_uncertain_and_takes_that_reading() -> None:
    found = collect(labelled("is there any way around it?", "crisis", 0.8),
                    leaning("is there any way around the orientation visit?", "orientation_visit"))
    assert found.get("crisis_level") == "uncertain"
    assert found.get(INTENT)["name"] == "faq"
    assert found.get("in_focus")["label"] == "faq/orientation_visit"


def test_a_crisis_read_as_a_contact_question_with_the_office_in_focus_stays_certain() -> None:
    # after "I don't have that; the Student Services Office can answer": "they can call my mom after I'm gone"
    focused = labelled("the Student Services Office can call my mom after I'm gone", "ask_contact", 0.9, IN_FOCUS)
    focused.set(LEANS, True)
    found = collect(labelled("they can call my mom after I'm gone", "crisis", 0.9), focused)
    assert found.get("crisis_level") == "certain"


def test_a_crisis_named_in_words_stays_certain_whatever_else_it_asks() -> None:
    found = collect(labelled("I want to kill myself, who do I call?", "crisis", 1.0, phrase=True),
                    labelled("who do I call?", "ask_contact", 0.9, QUESTION))
    assert found.get("crisis_level") == "certain"
    assert found.get(INTENT)["name"] == "crisis"


def test_a_crisis_without_a_confident_program_question_stays_certain() -> None:
    found = collect(labelled("my roommate took pills and won't wake up, what do I do?", "crisis", 0.9),
                    labelled("what do I do?", "out_of_scope", 0.6, QUESTION))
    assert found.get("crisis_level") == "certain"


def test_grief_with_a_program_question_is_uncertain() -> None:
    found = collect(labelled("my dad just died and I need to defer, who do I talk to?", "crisis", 0.7),
                    labelled("who do I talk to?", "ask_contact", 0.8, QUESTION))
    assert found.get("crisis_level") == "uncertain"
    assert found.get("questions")[0]["label"] == "ask_contact"


@pytest.mark.parametrize(("own", "confidence", "taken"), [
    ("greet", 0.47, True),  # "who supervises me there?" after the field study
    ("stop", 0.66, True),  # "there is some way to avoid it?" after the orientation visit
    ("affirm", 0.99, False),  # "ok that's it": sure small talk stays
    ("request_human", 0.85, False),  # a request for a person stays one unless unsure (see the next test)
])
def test_unsure_small_talk_gives_way_to_a_sure_in_focus_question(own, confidence, taken) -> None:
    focused = labelled("who supervises me at the field study?", "faq", 0.99, IN_FOCUS, topic="field_study")
    focused.set(LEANS, True)
    found = collect(labelled("who supervises me there?", own, confidence), focused)
    assert (found.get(INTENT)["name"] == "faq") is taken


@pytest.mark.parametrize(("confidence", "leans", "own", "taken"), [
    (0.998, True, 0.74, True),  # "can I go to one in person?" after the information sessions
    (0.95, True, 0.74, False),  # the reading with the focus not all but certain
    (0.998, False, 0.74, False),  # it does not lean on the focus
    (0.998, True, 0.9, False),  # a sure request for a person stays one
])
def test_an_unsure_handoff_request_leaning_on_the_focus_asks_about_it(confidence, leans, own, taken) -> None:
    focused = labelled("the information session: can I go to one in person?", "ask_info_sessions", confidence,
                       IN_FOCUS)
    focused.set(LEANS, leans)
    found = collect(labelled("can I go to one in person?", "request_human", own), focused)
    assert (found.get(INTENT)["name"] == "ask_info_sessions") is taken


def test_that_noun_chooses_the_focus_it_names() -> None:
    focuses = ["the diploma", "the campus orientation visit"]
    assert FINDER.named_focuses("when is that visit?", focuses) == ["the campus orientation visit"]
    assert FINDER.named_focuses("when is it?", focuses) == focuses
    assert FINDER.named_focuses("can I skip that trip?", focuses) == focuses  # names neither
    assert FINDER.named_focuses("when is that class?", ["the summer classes", "the diploma"]) == ["the summer classes"]


@pytest.mark.parametrize(("words", "confidence", "taken"), [
    ("any big names?", 0.97, True),  # a few words out of scope alone, after the field study sites
    ("any big names?", 0.9, False),  # the reading with the focus not sure enough
    ("what's the weather like in Denver today?", 0.97, False),  # more than a few words: out of scope it is
])
def test_a_few_words_out_of_scope_give_way_to_a_very_sure_in_focus_question(words, confidence, taken) -> None:
    focused = labelled(f"the field study sites: {words}", "faq", confidence, IN_FOCUS, topic="field_study_sites")
    focused.set(LEANS, True)
    found = collect(labelled(words, "out_of_scope", 0.95), focused)
    assert (found.get(INTENT)["name"] == "faq") is taken


@pytest.mark.parametrize(("own", "confidence", "taken"), [
    (0.74, 0.9998, True),  # "seriously? cant i get an exemption" after the orientation visit
    (0.74, 0.95, False),  # with the focus only fairly sure
    (0.95, 0.9998, False),  # sure alone that it is out of scope
])
def test_out_of_scope_unsure_alone_gives_way_to_an_all_but_certain_reading_with_the_focus(own, confidence,
                                                                                      taken) -> None:
    focused = labelled("the campus orientation visit: seriously? cant i get an exemption", "faq", confidence,
                       IN_FOCUS, topic="orientation_visit")
    found = collect(labelled("seriously? cant i get an exemption", "out_of_scope", own), focused)
    assert (found.get(INTENT)["name"] == "faq") is taken


def test_a_later_question_unsure_alone_takes_its_reading_after_the_question_it_leans_on() -> None:
    sessions = labelled("Do you host information sessions?", "ask_info_sessions", 0.95, QUESTION)
    when = labelled("What time of year", "out_of_scope", 0.99, QUESTION)
    when.set(NUMBER, 1)
    leaning = labelled("What time of year Do you host information sessions?", "ask_info_sessions", 0.9, IN_MESSAGE)
    leaning.set(NUMBER, 1)
    sessions.set(NUMBER, 0)
    found = collect(labelled("Do you host information sessions? What time of year", "ask_info_sessions", 0.9),
                    sessions, when, leaning)
    assert [(q["text"], q["label"]) for q in found.get("questions")] == [
        ("Do you host information sessions?", "ask_info_sessions"), ("What time of year", "ask_info_sessions")]


def test_a_later_question_sure_alone_keeps_its_own_reading() -> None:
    credits = labelled("How many credit hours does the online MIM take", "faq", 0.99, QUESTION, topic="credits")
    credits.set(NUMBER, 0)
    special = labelled("what specialization do you complete in it?", "ask_specializations", 0.8, QUESTION)
    special.set(NUMBER, 1)
    leaning = labelled("what specialization do you complete in it? How many credit hours does the online MIM take",
                       "faq", 0.9, IN_MESSAGE, topic="credits")
    leaning.set(NUMBER, 1)
    found = collect(labelled("How many credit hours ... in it?", "faq", 0.99, topic="credits"), credits, special,
                    leaning)
    assert [q["label"] for q in found.get("questions")] == ["faq/credits", "ask_specializations"]


@pytest.mark.parametrize(("questions", "leaning"), [
    (["Do you host information sessions?", "What time of year", "where are the in-person ones"],
     [None, "What time of year Do you host information sessions?",
      "where are the in-person ones Do you host information sessions?"]),
    (["how many credits is the MLS", "who do I call about admissions?"], [None, None]),  # a question of its own
    (["is the MIM online", "is it accredited?"], [None, "is it accredited? is the MIM online"]),
])
def test_a_later_question_leans_on_the_last_one_that_does_not_lean_when_it_points_or_is_a_few_words(
        questions, leaning) -> None:
    assert FINDER.leaning(questions) == leaning


@pytest.mark.parametrize(("text", "leaning"), [
    # A first question of a few words that points leans on the sentence told before it.
    ("My library only hires people with an ALA-accredited degree. Is this one, and is the diploma the same?",
     ["Is this one My library only hires people with an ALA-accredited degree.", None]),
    ("I have a BA in history. Does that count?", ["Does that count? I have a BA in history."]),
    ("I have a BA in history. How many credits is the MLS?", [None]),  # a question of its own
])
def test_a_first_question_pointing_leans_on_the_sentence_told_before_it(text, leaning) -> None:
    questions = FINDER.questions(text)
    assert FINDER.leaning(questions, FINDER.told_before(text, questions[0])) == leaning


@pytest.mark.parametrize(("text", "questions"), [
    # A greeting before a topic put first: each question is read with the topic.
    ("Hi! For the MLS field study: how many credits, how many hours on site, and which course is it?",
     ["For the MLS field study: how many credits", "For the MLS field study: how many hours on site",
      "For the MLS field study: which course is it?"]),
    # Questions counted off.
    ("(1) is instruction asynchronous or both; (2) what system are the online classes accessed through?",
     ["is instruction asynchronous or both?", "what system are the online classes accessed through?"]),
    ("1) credits required 2) classes per semester", ["credits required?", "classes per semester?"]),
    ("Two things: 1. equipment needed 2. LMS used", ["equipment needed?", "LMS used?"]),
    ("For the MIM: 1) how long does it take 2) what specialization do you end up with",
     ["For the MIM: how long does it take?", "For the MIM: what specialization do you end up with?"]),
    ("I took 2 courses. 3 of them were online", []),  # numbers, not counting questions off
    ("are any in person, and if so where?", []),  # "if so" goes on asking the same
    ("how many years to finish, and are summers included", ["how many years to finish", "are summers included"]),
    # A terse list in one sentence, without a question mark.
    ("class format, tech requirements and learning management system for the online MLS",
     ["class format for the online MLS?", "tech requirements for the online MLS?",
      "learning management system for the online MLS?"]),
    ("field study - supervised by who, any written report, any class meetings during the semester",
     ["field study: supervised by who during the semester?", "field study: any written report during the semester?",
      "field study: any class meetings during the semester?"]),
    ("I work full time, have two kids and a dog", []),  # a story is no list
    # A request before a list of things asked: each asked with it; not a comparison.
    ("Could you please tell me the credit value of the required field study, the expected number of on-site "
     "hours, and the official course number?",
     ["Could you please tell me the credit value of the required field study?",
      "Could you please tell me the expected number of on-site hours?",
      "Could you please tell me the official course number?"]),
    ("what is the difference between the MLS and the MIM?", []),
    ("how many credits and courses are there?", []),
    # A topic put first with a preposition and a comma.
    ("for the field study, who is my supervisor at the site? is there a final paper?",
     ["the field study: who is my supervisor at the site?", "the field study: is there a final paper?"]),
    ("For the MIM, how many credits?", []),  # one question, read whole
    # Texting's "n" for "and".
    ("how many credits do i need for the online mls n how long til i graduate",
     ["how many credits do i need for the online mls", "how long til i graduate"]),
    # A request said in full before a second question.
    ("Good afternoon. I would like to know what specializations exist for online MLS students. Also, is it ALA "
     "accredited?", ["I would like to know what specializations exist for online MLS students.",
                     "is it ALA accredited?"]),
    # Asking in a statement's word order, for something a reply can give.
    ("Could you tell me how the online lectures work? Also I need a number I can call.",
     ["Could you tell me how the online lectures work?", "I need a number I can call."]),
    ("I would like a telephone contact for admissions. And I was also wondering whether the courses are live.",
     ["I would like a telephone contact for admissions.", "I was also wondering whether the courses are live."]),
    ("I need a degree that lets me keep working. How many courses per semester?", ["How many courses per semester?"]),
    # "As well as" joins things requested; each has its own phrase, none shared.
    ("Could you clarify the overall duration of the online MLS, as well as the number of courses a student is "
     "expected to carry each term?",
     ["Could you clarify the overall duration of the online MLS?",
      "Could you clarify the number of courses a student is expected to carry each term?"]),
    # A preface that counts the questions makes a list of what follows.
    ("3 questions: number of credits, tuition per year, and if the GRE is mandatory.",
     ["number of credits?", "tuition per year?", "if the GRE is mandatory?"]),
    ("two things: the credits and the length", ["the credits?", "the length?"]),
    ("Hi! I want to confirm 2 points: 1) accreditation by ALA 2) if online graduates receive the same diploma",
     ["accreditation by ALA?", "if online graduates receive the same diploma?"]),
    # A few words asking beside a question are a question too; a head telling about the writer is no topic.
    ("Credits needed to graduate MLS online. Work placement mandatory? thx",
     ["Credits needed to graduate MLS online.", "Work placement mandatory?"]),
    ("I'm making a budget: what's the total price and how many credits would I be paying for?",
     ["what's the total price", "how many credits would I be paying for?"]),
    # A counting preface inside a message: what it counts asks.
    ("I'd like to run our school's library. Two things: which MLS track would that be, and how long does it take?",
     ["which MLS track would that be", "how long does it take?"]),
    ("I'm curious about the field study: who supervises me, and is there a report?",
     ["I'm curious about the field study: who supervises me", "I'm curious about the field study: is there a report?"]),
])
def test_more_ways_of_putting_several_questions_in_one_message(text, questions) -> None:
    assert Finder(max_questions=5, min_words=2, max_follow_up_words=8).questions(text) == questions


def test_small_talk_keeps_its_reading_when_the_in_focus_one_does_not_lean_or_is_unsure() -> None:
    focused = labelled("the field study: hello", "faq", 0.99, IN_FOCUS, topic="field_study")
    assert collect(labelled("hello", "greet", 0.5), focused).get(INTENT)["name"] == "greet"
    unsure = labelled("who supervises me at the field study?", "faq", 0.6, IN_FOCUS, topic="field_study")
    unsure.set(LEANS, True)
    assert collect(labelled("who supervises me there?", "greet", 0.47), unsure).get(INTENT)["name"] == "greet"


@pytest.mark.parametrize(("text", "gives_way"), [
    ("my brother died suddenly and i cant start this year. who do i call", True),
    ("death in family. need to defer. contact?", True),
    ("I wish I were dead. how do I withdraw from the MLS?", False),  # no loss named
    ("Nobody would miss me if I was gone. can I withdraw?", False),
    ("my mom is slurring her words and her face is drooping, who do I call to defer?", False),
    ("someone is breaking into my house right now, who do i call", False),
    ("my dad died and I don't want to be alive anymore, can I defer?", False),  # a loss, and hopelessness
    ("lost my mom last month, I have the pills ready, who handles withdrawals?", False),
])
def test_a_sure_crisis_reading_beside_a_question_gives_way_only_to_a_loss_said_plainly(text, gives_way) -> None:
    from bot.nlu.questions import _GRAVE, _GRIEF

    assert bool(_GRIEF.search(text) and not _GRAVE.search(text)) is gives_way


def test_after_an_answer_to_several_questions_a_follow_up_is_read_with_each_subject_and_the_surest_kept() -> None:
    finder = QuestionFinder(QuestionFinder.get_default_config())
    focus = "the course load | the orientation visit"
    message = Message(data={TEXT: "when?", "metadata": {"context": {"focus": focus}}})
    read = [m.get(TEXT) for m in finder.process([message])[1:] if m.get(KIND) == IN_FOCUS]
    assert read == ["when is the course load?", "when is the orientation visit?"]
    course_load = labelled(read[0], "faq", 0.55, IN_FOCUS, topic="course_load")
    visit = labelled(read[1], "faq", 0.97, IN_FOCUS, topic="orientation_visit")
    for reading_ in (course_load, visit):
        reading_.set(LEANS, True)
    found = collect(labelled("when?", "out_of_scope", 0.4), course_load, visit)
    assert found.get("in_focus")["label"] == "faq/orientation_visit"


def test_a_follow_up_s_words_are_counted_as_written() -> None:
    # "cant" is one word to the writer, two tokens to spaCy: the follow-up stays short enough to make a crisis
    # reading uncertain ("what if i cant make it? any exceptions?" after the orientation visit).
    assert FINDER.in_focus("what if i cant make it? any exceptions?", "the campus orientation visit") == (
        "what if i cant make the campus orientation visit? any exceptions?", True, True)
    pointing = Finder(max_questions=5, min_words=2, max_follow_up_words=8, max_pointing_words=12)
    assert pointing.in_focus("ive got pills saved up and im taking them tonight", "the jobs")[2] is False


@pytest.mark.parametrize(("sentence", "crisis", "paged"), [
    ("i took like 40 tylenol about an hour ago on purpose.", 0.76, True),  # a means taken on purpose
    ("i took like 40 tylenol about an hour ago.", 0.76, False),  # neither named nor sure
    ("i deliberately picked the online program.", 0.76, False),  # on purpose, but no means
])
def test_a_sentence_naming_a_means_taken_on_purpose_is_a_crisis(sentence, crisis, paged) -> None:
    found = collect(labelled(f"{sentence} now i feel really sick and my ears are ringing", "out_of_scope", 0.78),
                    labelled(sentence, "crisis", crisis, STATEMENT))
    assert (found.get(INTENT)["name"] == "crisis") is paged
    assert (found.get("crisis_level") == "certain") is paged


@pytest.mark.parametrize(("text", "paged"), [
    ("what if I can't?", False),  # pushing back on the last answer, read with the focus
    ("what if I can't? I have the pills counted out", True),  # a means named: nothing beside it makes it harmless
])
def test_a_student_pushing_back_in_context_is_answered_unless_a_means_is_named(text, paged) -> None:
    focused = labelled(f"the summer courses: {text}", "pushback", 0.97, IN_FOCUS)
    focused.set(LEANS, True)
    found = collect(labelled(text, "crisis", 0.6), focused)
    assert (found.get("crisis_level") == "certain") is paged
    assert found.get(INTENT)["name"] == ("crisis" if paged else "pushback")


def test_a_sentence_sure_of_a_crisis_beside_pushing_back_is_one_without_naming_a_means() -> None:
    found = collect(labelled("can I skip it? I have a plan to end things", "pushback", 0.89),
                    labelled("I have a plan to end things", "crisis", 0.99, STATEMENT))
    assert found.get(INTENT)["name"] == "crisis" and found.get("crisis_level") == "certain"


@pytest.mark.parametrize(("text", "crisis"), [
    ("what if I just disappear?", True),
    ("i just want out. any way out?", True),
    ("what if I can't make it tonight?", False),  # a time, not despair
    ("what if I can't make it? I have a job", False),
    ("can I skip it? I'll be dead by then", True),
    ("what if I can't? I've written letters to my family", True),
    ("I work the night shift, what if I can't make it?", False),  # despair said of oneself, not bare words
    ("what if I can't make it? I want out of the travel part, not the program", False),
    ("can I skip it? gas is too expensive right now", False),
    ("what if I can't attend? no point flying in for one day", False),
])
def test_despair_beside_pushing_back_is_a_crisis(text, crisis) -> None:
    found = collect(labelled(text, "pushback", 0.9))
    assert (found.get(INTENT)["name"] == "crisis") is crisis
    assert (found.get("crisis_level") == "certain") is crisis


def test_a_sentence_read_as_a_crisis_beside_a_part_pushing_back_must_name_a_means() -> None:
    found = collect(labelled("i am kind of scared tho. how many credits? just trying to see if i can handle it",
                             "faq", 0.6, topic="credits"),
                    labelled("just trying to see if i can handle it", "pushback", 0.8, QUESTION),
                    labelled("i am kind of scared tho.", "crisis", 0.95, STATEMENT))
    assert found.get(INTENT)["name"] == "faq"


def test_despair_beside_a_part_that_pushes_back_is_a_crisis_whatever_the_whole_reads() -> None:
    # "no way i'll make it. i'm standing on the roof right now": read as "deny", its first part pushes back.
    found = collect(labelled("no way i'll make it. i'm standing on the roof right now", "deny", 0.6),
                    labelled("no way i'll make it", "pushback", 0.8, QUESTION))
    assert found.get(INTENT)["name"] == "crisis" and found.get("crisis_level") == "certain"


def test_the_last_question_of_a_longer_message_read_with_the_focus_is_not_a_short_follow_up() -> None:
    finder = QuestionFinder(QuestionFinder.get_default_config())
    message = Message(data={TEXT: "what if I can't make it? my chest is crushing and my left arm is numb",
                            "metadata": {"context": {"focus": "the campus orientation visit"}}})
    read = [m for m in finder.process([message])[1:] if m.get(KIND) == IN_FOCUS]
    assert read and all(m.get(SHORT) is False for m in read)


def test_what_idioms_leave_is_read_for_a_means_or_despair() -> None:
    message = labelled("this commute is killing me. what if I just disappear for good?", "crisis", 0.9)
    message.set(questions_module.IDIOM, {"grave": True})
    plain = labelled("this commute is hard on me. what if I just disappear for good?", "pushback", 0.9,
                     questions_module.PLAIN)
    focused = labelled("the campus orientation visit: what if I just disappear for good?", "faq", 0.99, IN_FOCUS,
                       topic="orientation_visit")
    focused.set(LEANS, True)
    found = collect(message, plain, focused)
    assert found.get("crisis_level") == "certain"


def test_grief_beside_pushing_back_is_answered_with_the_988_line() -> None:
    found = collect(labelled("my mom has cancer, I can't leave her that week. any exceptions?", "crisis", 0.7),
                    labelled("any exceptions?", "pushback", 0.95, QUESTION))
    assert found.get("crisis_level") == "uncertain" and found.get(INTENT)["name"] == "pushback"


def test_pushing_back_beside_a_crisis_reading_is_no_harmless_question() -> None:
    # "any exceptions? I'm thinking about ending things": the question pushes back, the rest is a crisis.
    found = collect(labelled("any exceptions? I'm thinking about ending things", "crisis", 0.76),
                    labelled("any exceptions?", "pushback", 0.99, QUESTION))
    assert found.get("crisis_level") == "certain"


@pytest.mark.parametrize(("text", "leans"), [
    ("are any in person?", True),  # the information sessions: any of them
    ("how many credits each?", True),
    ("are there any exceptions for working students?", False),  # "any" before a noun names its own subject
    ("both of my parents would be better off", False),  # "both of ...": named after it
    ("can I go to one in person?", True),  # one of the information sessions
    ("no one in my family went", False),
    ("see everyone one last time?", False),
])
def test_a_quantifier_standing_alone_leans_on_the_focus(text, leans) -> None:
    assert FINDER.in_focus(text, "the information session")[1] is leans


def test_a_follow_up_naming_a_means_stays_certain_whatever_it_reads_as_with_the_focus() -> None:
    found = collect(labelled("then thats it. ive got the rope ready", "crisis", 0.7),
                    leaning("then the campus orientation visits it. ive got the rope ready", "orientation_visit"))
    assert found.get("crisis_level") == "certain"


@pytest.mark.parametrize("text", [
    "ok, thanks", "no, thanks, bye", "the MIM, please", "College Park, MD", "I'm a nurse, a mom, and a student",
    "my loans, my job, my marriage, all gone, no point anymore",
    "what is Government Information Management and Services?", "what are tuition and fees for the online MLS?",
    "what are the pros and cons of the online MLS?", "what happens if I fail a class and have to retake it",
    "is the program hard for people who work and have kids", "who do I talk to if I get sick and must miss class",
    "Which is cheaper: 1) the online MLS or 2) the on-campus MLS?", "is the MLS + MIM dual degree online?",
])
def test_one_question_or_a_reply_is_not_cut_into_several(text) -> None:
    assert Finder(max_questions=5, min_words=2, max_follow_up_words=8).questions(text) == []


@pytest.mark.parametrize(("text", "questions"), [
    ("I'm in year 1. Next year I'll be in year 2. Can I still take the MLS online?",
     ["Can I still take the MLS online?"]),  # numbers in prose count nothing off
    ("For the past 5 years, I've worked in a public library. How long is the MLS?", ["How long is the MLS?"]),
])
def test_a_story_s_numbers_and_time_phrases_are_no_list_and_no_topic(text, questions) -> None:
    assert Finder(max_questions=5, min_words=2, max_follow_up_words=8).read_story(text) == (questions, True)


def test_a_crisis_in_one_sentence_keeps_a_message_read_as_a_crisis_certain() -> None:
    question = labelled("anyway how many credits is the MLS?", "faq", 0.9, QUESTION, topic="credits")
    found = collect(labelled("i took like 40 tylenol about an hour ago on purpose. anyway how many credits is the "
                             "MLS?", "crisis", 0.7),
                    labelled("i took like 40 tylenol about an hour ago on purpose.", "crisis", 0.76, STATEMENT),
                    question)
    assert found.get("crisis_level") == "certain"


def test_a_question_part_naming_a_means_is_screened_like_a_sentence() -> None:
    found = collect(labelled("1) i have a bottle of pills ready 2) who do i tell that im dropping my classes",
                             "crisis", 0.7),
                    labelled("i have a bottle of pills ready?", "crisis", 0.97, QUESTION),
                    labelled("who do i tell that im dropping my classes?", "ask_contact", 0.8, QUESTION))
    assert found.get("crisis_level") == "certain"


def test_a_means_named_beside_a_program_question_keeps_the_crisis_certain() -> None:
    found = collect(labelled("rope's ready. can i skip it?", "crisis", 0.7),
                    labelled("can i skip it?", "faq", 0.6, QUESTION, topic="orientation_visit"))
    assert found.get("crisis_level") == "certain"


@pytest.mark.parametrize("text", ["no one would miss me", "not one person would care if i disappeared"])
def test_one_is_no_pointer_at_the_focus(text) -> None:
    assert FINDER.in_focus(text, "the campus orientation visit")[1] is False


def test_a_question_part_that_asks_is_not_screened_as_a_told_crisis() -> None:
    # "... I'd like to know whether I'm beating her." (a friendly race over credits with a daughter)
    found = collect(labelled("How many credits will I have to complete? I'd like to know whether I'm beating her.",
                             "faq", 0.9, topic="credits"),
                    labelled("How many credits will I have to complete?", "faq", 0.9, QUESTION, topic="credits"),
                    labelled("I'd like to know whether I'm beating her.", "crisis", 0.95, QUESTION))
    assert found.get(INTENT)["name"] == "faq"


@pytest.mark.parametrize(("text", "asks"), [
    ("is there a written assignment?", True), ("possible?", True),
    ("I want to know if the MLS is totally remote", True), ("whether summer terms are required", True),
    ("which worked fine.", False), ("who has dementia, and I also work part-time", False),
    ("If I do the online MLS", False), ("be honest", False), ("this commute is hard on me", False),
    ("when is the deadline", True), ("who has dementia", False),
])
def test_a_part_is_named_when_not_understood_only_if_it_asks(text, asks) -> None:
    assert asks_aloud(text) is asks


@pytest.mark.parametrize(("text", "subject"), [
    ("what if I can't make it to the campus part?", "the campus part"),
    ("is there any way out of the summer classes? I really need my summers off", "the summer classes"),
    ("can I skip it?", None),  # a pointer: read with the focus
    ("do I have to attend the orientation?", None),  # no pushing back
    ("can I skip this life", None), ("is there a way out of this pain", None),
])
def test_the_thing_a_message_pushes_back_on(text, subject) -> None:
    assert Finder.pushed_back(text) == subject


def test_no_thing_pushed_back_on_is_read_beside_grave_words() -> None:
    finder = QuestionFinder(QuestionFinder.get_default_config())
    for text, read in (("can I skip the orientation? i've decided to end things", False),
                       ("can I skip the orientation? I have a work trip", True)):
        out = finder.process([Message(data={TEXT: text})])
        assert any(m.get(KIND) == "subject" for m in out) is read


def _hesitant(focus: str, topics: list) -> Message:
    return Message(data={
        "text": "q", "focus": focus, "intent": {"name": "nlu_fallback", "confidence": 0.0},
        "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.0}, {"name": "faq", "confidence": 1.0}],
        "response_selector": {"faq": {"response": {"intent_response_key": topics[0][0], "confidence": topics[0][1]},
                                      "ranking": [{"intent_response_key": k, "confidence": c} for k, c in topics]}}})


@pytest.mark.parametrize(("focus", "topics", "settled"), [
    ("the field study", [("faq/credits", 0.46), ("faq/field_study_course", 0.3), ("faq/not_covered", 0.18)],
     "faq/field_study_course"),
    ("the technology requirements", [("faq/deadlines", 0.39), ("faq/not_covered", 0.36), ("faq/technology", 0.24)],
     "faq/technology"),
    ("the field study", [("faq/credits", 0.5), ("faq/tuition", 0.4), ("faq/field_study_hours", 0.1)], None),  # unsure
    ("the course load", [("faq/credits", 0.5), ("faq/tuition", 0.4), ("faq/duration", 0.1)], None),  # none about it
])
def test_a_hesitant_reading_with_the_focus_settles_on_the_topic_about_the_focus(focus, topics, settled) -> None:
    message = _hesitant(focus, topics)
    settle_on_focus(message, 0.2)
    assert (reading(message)["label"] if message.get("settled") else None) == settled


def test_idioms_leaving_words_read_as_what_the_page_does_not_say_keep_a_crisis_certain() -> None:
    # "the workload will kill me. I just want to go to sleep forever": the plain words read as "not on the page".
    message = labelled("the workload will kill me. I just want to go to sleep forever", "crisis", 0.95)
    message.set(questions_module.IDIOM, {"grave": True})
    plain = labelled("the workload would be too much for me. I just want to go to sleep forever", "faq", 0.85,
                     questions_module.PLAIN, topic="not_covered")
    assert collect(message, plain).get("crisis_level") == "certain"


def test_a_reading_settled_on_the_focus_never_makes_a_crisis_uncertain() -> None:
    focused = leaning("the field study: I won't make it that long", "field_study_hours", 0.6)
    focused.set(questions_module.SETTLED, True)
    found = collect(labelled("I won't make it that long", "crisis", 0.7), focused)
    assert found.get("crisis_level") == "certain"
