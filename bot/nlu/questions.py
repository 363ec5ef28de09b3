"""Several questions in one message, and a short follow-up read with the topic in focus.

People ask two things at once ("how many credits is the MLS and do I need a field study?"), tell their
story before the question, and lean on the last answer ("how many credits is it?" after the field study).
The classifier gives one label per text, so ``QuestionFinder``, early in the pipeline, hands it more
texts: one per question it finds (spaCy's sentencizer, then coordinated clauses that open like a question:
"... and do I need ...", "..., what about ...") and, when the channel passed the conversation's focus in
the message's metadata (``context.focus``, e.g. "the field study") and the message leans on it, the message
with the focus in place of its pronoun ("how many credits is the field study?"). These extra messages go
through every later component like the message itself (entities, features, classifier, gates).
``QuestionCollector``, last, hangs their readings on the message (``questions``, ``in_focus``) and hands on
the message alone, which keeps its own classification; the conversation logic (bot/conversation/turn.py)
chooses between the readings.

The collector also sets the crisis level. A message classified as a crisis without naming one (no phrase
of the crisis lookup table) is only *uncertain* when the conversation gives it a harmless reading: its
in-focus reading is a program question ("is there any way around it?" after the orientation visit), or
it asks a program question beside a story ("my dad just died and I need to defer, who do I talk to?").
Such a message is answered, with one line about the 988 Lifeline and no page to staff. Everything else
classified as a crisis stays one.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Set, Text, Tuple

import spacy
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.conversation.parse import CATCH_ALL_TOPIC, RETRIEVAL_INTENT, full_label
from bot.conversation.turn import (
    FOCUS_SEPARATOR,
    MAX_FOCUSES,
    MIN_QUESTION_CONFIDENCE,
    PUSHBACK,
    answers,
    confidence,
)
from bot.nlu import idioms
from bot.nlu.safety import CRISIS_PHRASE, MEANS, OVERRIDDEN

RESPONSE_SELECTOR = "response_selector"
# Where a question's own message points back at the message it came from, and what it is.
PARENT, KIND = "question_of", "question_kind"
QUESTION, IN_FOCUS, LEANS, SHORT = "question", "in_focus", "leans", "short"
FALLBACK = "nlu_fallback"
# A later question of a message read after the question it leans on ("info sessions? what time of year?").
IN_MESSAGE, NUMBER = "in_message", "question_number"
PLAIN = "plain"  # the message with its idioms in plain words (bot/nlu/idioms.py)
ASKS_ALOUD = "asks"  # on a question's reading: said as a question (``asks_aloud``), named when not understood
FOCUS = "focus"  # on a message read with the focus: which one ("the field study")
SETTLED = "settled"  # on an in-focus reading: its hesitant topic settled on the one about the focus
TERSE = "terse"  # on a question's reading: a few words that ask in no question's form ("Credits needed to graduate.")
STATEMENT = "statement"  # a sentence of a story, screened for a crisis on its own
SUBJECT = "subject"  # the thing a message pushes back on, named ("the summer classes"), read as a requirement
CRISIS_SENTENCE = "crisis_sentence"  # on the parse: the sentence of a longer message that reads as a crisis
IDIOM = "idiom"  # on the parse: the message spoke in idioms; "grave" when one of them spoke of dying
# Intents rules answer with a fixed response, which an in-focus reading may replace (QuestionCollector).
HANDOFF = "request_human"
# Readings with the focus that never explain a crisis reading away: asking who to contact, for a person, or what the
# page does not say (after an off-page answer the office is in focus: "they can call my mom after I'm gone").
_CATCH_ALL = f"{RETRIEVAL_INTENT}/{CATCH_ALL_TOPIC}"
_NOT_EXPLAINING = frozenset({"ask_contact", HANDOFF, _CATCH_ALL})
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "bot_challenge", "ask_capabilities", "out_of_scope",
                        "affirm", "deny", "stop", "skip"})
# What the collector adds to the parse.
QUESTIONS, CRISIS_LEVEL, STORY = "questions", "crisis_level", "story"
LOSS = "loss"  # on the parse of a story: it tells of a death, an illness or a loss (``_GRIEF``)
CRISIS_CONFIDENCE = "crisis_confidence"  # the classifier's own confidence in the crisis reading

_WH = {"what", "what's", "whats", "when", "when's", "where", "where's", "who", "who's", "whom", "which", "why",
       "how", "how's", "wat"}  # "wat": texting's "what" (not "hw", also homework)
_AUX = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "shall",
        "may", "might", "must", "am", "have", "has", "isn't", "aren't", "don't", "doesn't", "can't", "cant"}
# After an auxiliary, a subject: "and do I ...", "and is the MIM ...", "and are there ...".
_SUBJECTS = {"i", "you", "we", "they", "it", "there", "the", "a", "an", "this", "that", "my", "our", "your",
             "these", "those", "he", "she", "online", "mls", "mim", "classes", "courses", "students", "one"}
# Asking in a statement's word order: "I was also wondering whether ...", "I need a number I can call", "I want to
# confirm 2 points:". The things asked for are what a reply can give (a number, a list, details), never what a story
# wants ("I need a degree that ...", "I'd like a career in data"). Worries are told, not asked: a sentence that asks
# is not screened alone for a crisis ("I'm worried he will hurt me").
_ASKED_FOR = (r"(?:an?|the|some|your|any)\s+(?:\w+\s+){0,2}?(?:number|phone|telephone|contact|contacts|e-?mail|address|"
              r"list|link|breakdown|overview|rundown|summary|details|info|information)s?")
_REQUESTS = re.compile(r"^(?:(?:and|also|plus|so|then)\s+)?(?:tell me|let me know|i'?d (?:like|love) to know|"
                       r"i want to know|i would like to know|i need to know|i wonder|"
                       r"i(?:\s+(?:was|am)|'m|m)\s+(?:also\s+|just\s+|really\s+)?wondering|wondering|can you tell me|"
                       r"could you tell me|please tell me|what about|how about|"
                       r"(?:please\s+)?(?:advise|explain|describe|clarify|confirm)|"
                       r"(?:can|could|would)\s+you\s+(?:please\s+)?(?:let\s+me\s+know|explain|describe|clarify|confirm|"
                       r"list)|i'?d\s+(?:like|love|appreciate)\s+(?:some\s+)?(?:info|information|details)|"
                       r"i(?:\s+(?:also\s+|just\s+|really\s+)?(?:need|want|would\s+like)|'d\s+(?:also\s+)?like)\s+"
                       r"(?:to\s+(?:confirm|check|ask|"
                       r"clarify|find\s+out|understand)|" + _ASKED_FOR + r"))\b", re.IGNORECASE)
_JOINERS = {"and", "n", "also", "plus", "&", "+", "then", "so", "but"}  # "n": texting's "and"
# Words a question may open with before it asks: "hey, does the MLS ...", "ok so what about ...".
_OPENERS = {"hey", "hi", "hello", "ok", "okay", "um", "umm", "uh", "well", "oh", "right", "sorry", "quick",
            "question", "btw", "also", "actually", "honestly", "hmm", "yeah", "yes", "no", "thanks", "cool",
            "anyway", "anyways"}
SHORT_CLAUSE_WORDS = 6
MIN_STATEMENT_WORDS, MAX_STATEMENTS = 3, 6  # the sentences of a story screened for a crisis one by one
# A sentence read alone counts as a crisis only when it names a means, an injury or a danger: out of context
# the classifier reads many plain statements ("I'm trying to plan ahead.") as a crisis. Idioms are already
# in plain words (bot/nlu/idioms.py) when the sentences are cut.
_RISK = re.compile(r"\b(?:pills?|meds|medications?|antidepressants?|tylenol|paracetamol|ibuprofen|insulin|"
                   r"overdos\w*|poison\w*|razors?|blades?|knife|knives|guns?|firearms?|pistol|rifle|rope|noose|"
                   r"bridge|ledge|roof|jump\w*|cut(?:s|ting)?|bleed\w*|blood|kill\w*|"
                   r"suicid\w*|hurt\w*|harm\w*|fire|smoke|gas|breath\w*|unconscious|collapsed?|seizure|"
                   r"beat\w*|hits?|hitting|chok\w*|strangl\w*|threat\w*|weapons?|shoot\w*|loaded)\b", re.IGNORECASE)
_GRIEF = re.compile(r"\b(?:died|passed(?:\s+away)?|funeral|diagnos\w*|death\s+in\s+(?:the\s+|my\s+|our\s+)?family|"
                    r"lost\s+(?:my|our)\s+(?:mom|mum|mother|dad|father|parents?|brother|sister|wife|husband|son|"
                    r"daughter|grand\w+|uncle|aunt|best\s+friend|friend|partner|baby)|griev\w*|bereave\w*|cancer|"
                    r"chemo\w*|surgery|hospitali[sz]ed|hospice|illness|ptsd)\b", re.IGNORECASE)
# Beside a program question, a sure crisis reading of a loss stays certain when the message names one of those, or
# hopelessness, a farewell or a time ("won't be alive by then", "my last message", "tonight", "I want it all to
# stop").
_GRAVE = re.compile(_RISK.pattern[:-3] + r"|die|dying|alive|to\s+live|living|end\s+it|goodbye|farewell|last\s+message|"
                    r"tonight|unsafe|danger\w*|be\s+here|be\s+around|no\s+point|give\s+up|exist\w*|"
                    r"end(?:ing)?\s+(?:things|everything)|disappear\w*|all\s+stop|the\s+night|better\s+off|"
                    r"letters?\s+to|made\s+up\s+my\s+mind|wake\s+up|keep\s+going|go\s+on|dead|ending\s+it|"
                    r"unalive\w*|chest|numb|won'?t\s+survive|(?:nobody|no\s+one|no-one|anyone)\s+(?:would|will|'d)\s+"
                    r"(?:even\s+)?(?:notice|care|miss)|showing\s+up\s+to\s+life|sleep\s+forever|done\s+(?:with\s+)?"
                    r"(?:life|living)|envy\s+them|i'?m\s+next|" + MEANS + r")\b", re.IGNORECASE)
# Despair, a means at hand or harm to oneself beside pushing back on the last answer ("what if I just disappear?",
# "what if I can't? I've written letters to my family", "can I skip it? I'll be dead"): read as a crisis. Said of
# oneself, not bare words: "I work the night shift", "gas is too expensive", "I want out of the travel part, not
# the program", "no point flying in for one day" push back on a requirement.
_SELF_HARM = (r"(?:kill|hurt|harm|cut|shoot|hang|drown|poison|burn|off|unalive)(?:ing|ed|s)?\s+my\s*self|suicid\w*|"
              r"overdos\w*|od'?(?:ed|d)|unalive\w*|(?:on|at|off)\s+(?:the\s+|a\s+|this\s+)?(?:bridge|ledge|roof|edge|"
              r"tracks|cliff)|(?:have|got|holding|bought)\s+(?:the\s+|my\s+|a\s+)?(?:rope|noose|gun|pills|razor|blade|"
              r"knife)|(?:rope|noose|gun|pills|razor|blade|knife)\s+(?:is\s+|are\s+)?(?:ready|right\s+here|loaded)")
_DESPAIR = re.compile(
    r"\b(?:" + _SELF_HARM + r"|die|dying|dead|alive|to\s+live|(?:tired\s+of|sick\s+of|stop|keep|go\s+on)\s+living|"
    r"living\s+like\s+this|(?:not|stop|don'?t\s+want\s+to|never)\s+exist\w*|"
    r"disappear(?:ing)?(?:\s+for\s+(?:good|ever)|\s+forever)?(?!\s+from)|end\s+it|ending\s+it|"
    r"end(?:ing)?\s+(?:things|everything|my\s+life)|all\s+(?:to\s+)?stop|want\s+it\s+(?:all\s+)?(?:to\s+be\s+)?over|"
    r"want\s+out(?!\s+of\s+(?:the|this|that|my)\s+(?!life|world))|"
    r"better\s+off\s+(?:without\s+me|dead|gone|if\s+i)|(?:everyone|everybody|they|people|family)\s+(?:would|'d)\s+be\s+"
    r"better\s+off|(?:be\s+here|be\s+around)\s+(?:much\s+longer|anymore|for\s+long|by\s+then)|"
    r"no\s+point\s+(?:in\s+(?:anything|living|going\s+on|trying)|anymore)|give\s+up\s+on\s+(?:life|everything|myself)|"
    r"goodbye\s*[.!]*\s*$|this\s+is\s+goodbye|goodbye\s+(?:everyone|forever|world)|farewell|"
    r"(?:not|never|don'?t\s+want\s+to)\s+wake\s+up|(?:through|survive)\s+the\s+night|"
    r"(?:letters?|notes?)\s+to\s+(?:my\s+)?(?:family|kids|children|wife|husband|mom|dad|parents|everyone|friends|loved)|"
    r"(?:can'?t|cannot|don'?t\s+want\s+to)\s+keep\s+going(?!\s+(?:to|back|with))|"
    r"(?:can'?t|cannot|don'?t\s+want\s+to)\s+go\s+on(?!\s+(?:the|a|an|those|these|that|this|my|vacation|leave|trips?)\b)|"
    r"i'?m\s+(?:so\s+)?done(?=\s*[.!]*\s*$|\s+(?:for\s+good|with\s+(?:everything|it\s+all|all\s+of\s+it|life|living)))|"
    r"made\s+up\s+my\s+mind(?!,?\s+i\s+want)|won'?t\s+survive|hold\s+on\s+(?:much\s+|any\s+)?longer|last\s+message|"
    r"gone\s+(?:by\s+then|for\s+good|forever))\b", re.IGNORECASE)
_DELIBERATE = re.compile(r"\b(?:on\s+purpose|deliberately|intentionally|purposely)\b", re.IGNORECASE)
STORY_WORDS = 8  # words of statements that make a story worth acknowledging ("For the online MIM:" does not)
_PUNCT_JOINERS = {",", ";", "-", "--", "/", "\u2013", "\u2014"}
# A topic put before the questions: "field study: ...", "MIM online - ...", "For the online MIM: ...".
_HEAD = re.compile(r"^\s*(?P<head>[^:?!.;,]*[A-Za-z][^:?!.;,]*?)\s*(?::|\s[-\u2013\u2014]{1,2}\s)\s*(?P<body>\S.*)$",
                   re.DOTALL)
MAX_HEAD_WORDS = 6
# A list of topics in one terse question, and the phrase after its last topic that applies to all of them.
_LIST = re.compile(r"(?:\s*,\s*|\s+)as\s+well\s+as\s+|\s*,\s*(?:and\s+|&\s+)?|\s*\+\s*|\s+&\s+|\s+/\s+|\s+and\s+",
                   re.IGNORECASE)
_TAIL = re.compile(r"\s(?:for|of|in|at|about|with|during|per)\s.+$", re.IGNORECASE)
MAX_ITEM_WORDS = 3
# "cost + length of online mls": a list as surely as a comma makes one ("&" is not: "Q & A", "pros & cons")
_MARKS_A_LIST = re.compile(r"\s\+\s")
# A request or "what is" before a list of things asked ("could you tell me the credit value, the on-site hours and
# the course number?"): each thing is asked with it, up to MAX_REQUESTED_WORDS words each. Not a comparison
# ("what is the difference between the MLS and the MIM" asks once).
_ASKS_FOR = re.compile(r"^(?:(?:could|can|would)\s+you\s+(?:please\s+)?(?:tell\s+me|let\s+me\s+know|list|clarify|"
                       r"explain|describe|confirm|give\s+me|share)|"
                       r"(?:please\s+)?tell\s+me|i'?d\s+like\s+to\s+know|i\s+(?:want|need)\s+to\s+know|"
                       r"what\s+(?:is|are)|what'?s)\s+", re.IGNORECASE)
# Words a reply or a story opens its parts with, never a list of questions: "ok, thanks", "my loans, my job".
_NOT_ASKED = {"please", "thanks", "thank", "thx", "bye", "cheers", "my", "our", "i'm", "im", "me", "all", "nothing",
              "no", "not"}
_COMPARES = re.compile(r"\b(?:between|differen\w*|compar\w*|vs\.?|versus)\b", re.IGNORECASE)
MAX_REQUESTED_WORDS = 12
# Questions counted off in one line: "1) credits 2) classes per semester 3) length", "1. equipment 2. LMS", "(a) the
# specialization, (b) typical roles, and (c) program length".
_COUNTED = re.compile(r"(?:^|(?<=\s))\(?(?:\d{1,2}[).]|[a-e]\))\s+")
MAX_PREFACE_WORDS = 4  # "Two questions:", "quick ones -", "For the MIM:"
_COUNTED_NOUNS = r"questions?|things?|qs?|q's|points?|items?"
_COUNTING = re.compile(rf"\b(?:{_COUNTED_NOUNS}|ones?)\b", re.IGNORECASE)
# A preface that only counts what follows ("two things:", "I have two questions:", "a few quick questions -"): no
# topic to read them with.
_COUNTING_HEAD = re.compile(r"^(?:(?:i\s+(?:have|had|got)|i'?ve\s+got|got|just|here\s+are|so)\s+)?"
                            r"(?:(?:a\s+)?(?:few|couple(?:\s+of)?|two|three|four|2|3|4|some|quick|several)\s+)+"
                            rf"(?:{_COUNTED_NOUNS})$", re.IGNORECASE)
# The same preface inside a message, before its first question: "... at our school. Two things: which track ...".
_COUNTING_LEAD = re.compile(r"^\s*(?P<head>[^:.?!]{1,40}?)\s*(?::|\s[-\u2013\u2014]{1,2})\s+")
# A topic put first with a preposition and a comma: "for the field study, who supervises me? ...".
_LEAD = re.compile(r"^\s*(?:for|about|regarding|re|as\s+for|concerning)\s+(?P<head>(?:the|your|an?)\s+[^,:?!.;\d]+?)"
                   r"\s*,\s*(?P<body>\S.*)$", re.IGNORECASE | re.DOTALL)
# A lead that tells when or why, not what about: "For the past 5 years, ...", "About a year ago, ...".
_NOT_A_TOPIC = re.compile(r"\b(?:past|last|next|ago|years?|months?|weeks?|days?|while|time|moment|record|context|"
                          r"example|instance|reference|now)\b", re.IGNORECASE)
# "there" says that something exists next to these words ("is there", "there are"), not where.
_EXIST_BEFORE = {"is", "are", "was", "were", "isn't", "aren't", "be", "been", "if", "whether", "not"}
_EXIST_AFTER = {"is", "are", "was", "were", "'s", "s", "will", "be", "any", "a", "an", "no", "some", "many",
                "much", "more", "going", "might", "may", "must", "should", "would", "could", "seems", "has", "have"}
# Who does something: after a question word, a statement ("where I go"); after an auxiliary, a question.
_WHO = {"i", "you", "we", "he", "she", "they", "it", "someone", "anyone", "everyone", "people", "u"}
_NEGATIONS = {"nt", "n't", "not", "t"}
_BARE_WH = {"when", "where", "who", "why"}  # a question word alone asks it of the focus
_PREPOSITIONS = {"by", "in", "at", "for", "from", "to", "with", "on", "until", "till"}
_HEDGES = {"roughly", "approximately", "about", "exactly", "generally", "usually", "typically", "realistically",
           "precisely", "basically"}  # "..., and roughly how many semesters will it take?"
# Opening a clause of a sentence ("..., which worked fine."), unless a question's verb follows ("when is the deadline").
_RELATIVE = {"which", "who", "whose", "whom", "where", "when"}
_INDIRECT = {"whether"}  # "..., and whether the online courses are taught by the same faculty"
# Words that point back at what the conversation is about.
_POINTERS = {"it", "that", "this", "them", "they", "these", "those"}
# A later question of a message leans on an earlier one when it points ("which course is it?", "where are the
# in-person ones") or is a question word and a few words ("what time of year").
_ONES = {"ones"}  # "where are the in-person ones": leans without naming what it means
# A quantifier standing for things named before ("are any in person?" after the information sessions, "how many
# credits each?", "can I go to one in person?"): followed by no noun, it leans on the focus as "ones" does.
_QUANTIFIERS = {"any", "each", "both", "either", "some", "none", "one"}
_NOT_BEFORE_ONE = {"no", "every", "any", "some", "each", "the", "this", "that", "which", "another"}
_NOT_AFTER_ONE = {"last", "more", "another", "by", "day", "time", "way"}
_AFTER_A_BARE_QUANTIFIER = {"in", "at", "on", "for", "is", "are", "was", "were", "be", "have", "has", "do", "does",
                            "take", "cost", "count", "run", "last", "offered", "online", "live", "still"}
_LEANING_POINTERS = _POINTERS | _ONES
# Pushing back on a thing named ("is there any way out of the summer classes?", "what if I can't make it to the campus
# part?"): the thing, read alone, is what the answer is about. Not "do I have to attend the orientation?" (no
# push back) nor "can I skip it?" (a pointer: read with the focus).
_PUSHES_BACK = re.compile(
    r"\b(?:skip(?:ping)?|miss(?:ing)?|get(?:ting)?\s+out\s+of|way\s+(?:out\s+of|around)|avoid(?:ing)?|"
    r"opt(?:ing)?\s+out\s+of|(?:be|get)\s+(?:excused|exempted?)\s+from|(?:exemptions?|exceptions?)\s+(?:from|for|to)|"
    r"waive|(?:can'?t|cannot|cant|won'?t\s+be\s+able\s+to|unable\s+to|not\s+able\s+to)\s+(?:make\s+it\s+to|attend|"
    r"go\s+to|do|travel\s+to|come\s+to|make))\s+(?P<subject>(?:the|that|this|those|these|my|our)\s+(?:[\w'-]+\s+){0,3}?"
    r"[\w'-]+)\s*(?=[?.!,;]|\s+(?:if|because|since|as|when|and|or|but|though|due|for|at|in|on)\b|$)", re.IGNORECASE)
_NAMES_NOTHING = {"the", "that", "this", "those", "these", "my", "our", "part", "parts", "one", "ones", "thing",
                  "things", "stuff", "requirement", "requirements", "bit", "whole", "it", "life", "pain", "anymore",
                  "world", "rest", "of", "everything", "all"}
# A pointer said of a noun ("that visit"), and the words after one that are no noun ("that is", "this one").
_DETERMINERS = {"that", "this", "these", "those"}
_NOT_NOUNS = {"is", "was", "are", "were", "will", "would", "could", "can", "should", "might", "must", "does", "do",
              "did", "has", "have", "had", "one", "ones", "part", "stuff", "thing", "things", "too", "also", "again",
              "and", "or", "but", "then", "so", "for", "to", "in", "on", "at", "of", "with", "about", "be", "mean",
              "means", "counts", "count", "take", "takes", "work", "works", "happen", "happens", "start", "starts",
              "cost", "costs", "last", "lasts", "require", "requires", "required", "include", "includes", "apply",
              "applies", "still", "really", "just", "only", "all", "way", "sound", "sounds", "seems", "seem", "needed"}
MAX_LEANING_WORDS = 4
# A greeting before a topic put first ("Hi! For the MLS field study: how many credits, ...").
# A head put first that tells about the writer is no topic: "I'm making a budget: what's the total price ...?"; unless
# it names one ("I'm curious about the field study: ...").
_NAMES_A_TOPIC = re.compile(r"\b(?:about|regarding|concerning|re|interested\s+in|for\s+the|on\s+the|in\s+the)\b",
                            re.IGNORECASE)
_TELLING = {"me", "us", "myself", "i'm", "im", "i've", "ive", "i'd", "we're", "we've", "my", "our"}
# A few words that ask without a question's word order, beside a question ("Credits needed to graduate MLS online.
# Work placement mandatory?"): no pronoun, no courtesy, no reply.
_NOT_TERSE = _WHO | _NOT_ASKED | _OPENERS | _TELLING | {
    "if", "because", "since", "so", "but", "and", "or", "just", "as", "when", "while", "after", "before", "that",
    "this", "it", "its", "it's", "he's", "she's", "they're", "you're", "we", "got"}
_GREETING = re.compile(r"^\s*(?:(?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening)|greetings)"
                       r"(?=[\s,!.]|$)[\s,!.\-\u2013\u2014]*)+", re.IGNORECASE)


def is_question(words: List[str], text: str) -> bool:
    """Whether a sentence asks something: a question mark, a question word or auxiliary first, or a request.

    Without a question mark the word order must ask too: an auxiliary not negated ("does it count", not
    "doesnt matter" or "don't worry"), a question word not followed by a subject ("how long is it", not
    "where I go").
    """
    if text.rstrip().endswith("?") or _REQUESTS.match(text):
        return True
    rest = _past_preposition([w for w in words
                              if w not in _JOINERS and w not in _OPENERS and not _ENUMERATION.match(w)])
    first, after, third = (rest + ["", "", ""])[:3]
    if first in _AUX:
        return after not in _NEGATIONS
    if first in _WH and after in _WHO:  # "who i can call" asks; "where I go" tells
        return third in _AUX
    return first in _WH or first in _INDIRECT


# After a clause that asks, these open a question of their own ("how many years, and are summers included");
# not "have", "must" or "am", which go on with the same subject ("if I fail a class and have to retake it").
_ASKING_AUX = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should"}
# A number that counts questions off: "(1) is it ...; (2) what ...", "1. ... 2. ...".
_ENUMERATION = re.compile(r"^\d{1,2}[).:]?$")


def _past_preposition(words: List[str], hedged: bool = False) -> List[str]:
    """The words from the question word on, past a preposition ("by when do I"), if ``hedged`` a hedge ("roughly")."""
    skipped = _PREPOSITIONS | _HEDGES if hedged else _PREPOSITIONS
    return words[1:] if len(words) > 1 and words[0] in skipped and words[1] in _WH else words


class Finder:
    """Finds the questions of a text with spaCy's tokenizer and sentencizer (no model to download)."""

    def __init__(self, max_questions: int, min_words: int, max_follow_up_words: int,
                 max_pointing_words: Optional[int] = None) -> None:
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        self.max_questions = max_questions
        self.min_words = min_words
        self.max_follow_up_words = max_follow_up_words
        self.max_pointing_words = max(max_pointing_words or max_follow_up_words, max_follow_up_words)

    def questions(self, text: str) -> List[str]:
        """The questions of ``text`` in order, when it holds more than one or a question among statements.

        Empty when the text is one question (or none): it is classified as it is.
        """
        return self.read(text)[0]

    def read(self, text: str) -> Tuple[List[str], int]:
        """The questions of ``text`` (as ``questions`` gives them) and how many words its statements have.

        A greeting first is dropped; questions counted off ("1) credits 2) length") are the questions. A topic
        put first ("field study: how many hours, and which sites host students?", "for the field study, who
        ...? is ...?") belongs to each question after it: they are read with it ("field study: which sites
        host students?").
        """
        greeting = _GREETING.match(text)
        if greeting and greeting.end() < len(text):
            text = text[greeting.end():]
        counted = self._counted(text)
        if counted:
            return counted[:self.max_questions], 0
        for pattern in (_HEAD, _LEAD):
            head = pattern.match(text)
            topic = head.group("head").strip() if head else ""
            if pattern is _LEAD and _NOT_A_TOPIC.search(topic):
                continue
            if head and _COUNTING_HEAD.match(topic):
                # "two things: is ..., and how many ...?" names no topic; "3 questions: number of credits, tuition per
                # year, and if the GRE is mandatory." counts a list off, its things as long as requested ones.
                found = self._read(head.group("body"))
                listed = [] if found[0] else self._items(head.group("body"), listed=True)
                return (listed[:self.max_questions], 0) if len(listed) > 1 else found
            if head and topic.split()[0].lower() in _TELLING and not _NAMES_A_TOPIC.search(topic):
                # Told, then asked: "I'm making a budget: ..." is no topic ("I'm curious about the field study: ..."
                # is).
                found, statements = self._read(head.group("body"))
                return found, statements + len(topic.split())
            if head and len(topic.split()) <= MAX_HEAD_WORDS and topic.split()[0].lower() not in (
                    _WH | _AUX | _WHO):
                found, statements = self._read(head.group("body"))
                return [q if topic.lower() in q.lower() else f"{topic}: {q}" for q in found], statements
        return self._read(text)

    def _read(self, text: str) -> Tuple[List[str], int]:
        doc = self.nlp(text)
        found: List[str] = []
        terse: List[Tuple[int, str, int]] = []  # a sentence of a few words that may ask: where, what, its words
        statements = 0
        asked_last = False  # whether the sentence before was a question
        for sentence in doc.sents:
            clauses = self._clauses(sentence)
            before = len(found)
            for k, clause in enumerate(clauses):
                counting = _COUNTING_LEAD.match(clause.text)
                if counting and _COUNTING_HEAD.match(counting.group("head").strip()):
                    # "... elementary school. Two things: which track would that be, and ...": what it counts asks.
                    clause = clause.doc.char_span(clause.start_char + counting.end(), clause.end_char,
                                                  alignment_mode="expand") or clause
                words = [t.lower_ for t in clause if not t.is_punct]
                if not words or (len(words) < self.min_words and not clause.text.rstrip().endswith("?")):
                    continue  # "gre?" asks; "ok." does not
                # A short clause joined to a question asks too: "tech requirements + which LMS do you use?"
                # Not one that tells about the writer ("my inbox is exploding lol, by when do I ...").
                joined = (len(clauses) > 1 and k == 0 and len(words) <= SHORT_CLAUSE_WORDS
                          and words[0] not in _WHO and words[0] not in {"my", "our", "im", "i'm"})
                # A short sentence going on from a question with "and" or "also" asks too ("tuition for online
                # mim? and # of years"), not one that tells about the writer ("and I work full time").
                going_on = (k == 0 and asked_last and sentence[0].lower_ in _JOINERS - {"so", "but", "then"}
                            and len(words) <= SHORT_CLAUSE_WORDS and words[0] not in _WHO | _NOT_ASKED | {"if"})
                if joined or going_on or is_question(words, clause.text):
                    found.append(clause.text.strip())
                else:
                    statements += len(words)
                    if _terse(words, clauses):
                        terse.append((len(found), clause.text.strip(), len(words)))
            asked_last = len(found) > before
        if found and terse:
            # Terse sentences asking beside questions are questions too, in their place.
            for place, said, length in reversed(terse):
                found.insert(place, said)
                statements -= length
        if len(found) > 1 or (found and statements):
            return found[:self.max_questions], statements
        # A terse list is one sentence that asks nothing in a question's word order ("class format, tech
        # requirements and LMS for the online MLS"); a story is not cut into lists.
        items = self._items(text) if not statements else (
            self._items(text, unmarked=True) if not found and len(list(doc.sents)) == 1 else [])
        return items[:self.max_questions], statements if not items else 0

    @staticmethod
    def _counted(text: str) -> List[str]:
        """The questions of a line that counts them off ("1) credits 2) classes per semester"), else none.

        The numbers must run 1, 2, ... and each part have words; a phrase before the first ("two things:")
        is dropped, as is the punctuation between parts.
        """
        marks = list(_COUNTED.finditer(text))
        marked = [re.sub(r"[^\da-e]", "", m.group(0)) for m in marks]
        if len({d.isdigit() for d in marked}) > 1:
            return []  # "1) ... b) ...": no list
        numbers = [int(d) if d.isdigit() else ord(d) - ord("a") + 1 for d in marked]
        if len(marks) < 2 or numbers != list(range(1, len(marks) + 1)):
            return []
        preface = text[:marks[0].start()].strip()
        words = preface.lower().split()
        request = bool(_REQUESTS.match(preface) or _ASKS_FOR.match(preface + " "))
        if preface and not request and (len(words) > MAX_PREFACE_WORDS or words[0] in _WH | _AUX
                                        or not preface.endswith((":", "-", "\u2013", "\u2014"))):
            return []  # "I'm in year 1. Next year ...", "Which is cheaper: 1) ... or 2) ...?"
        ends = [m.start() for m in marks[1:]] + [len(text)]
        parts = [re.sub(r"[;,]?\s*(?:\band|\bor|&)?\s*$", "", text[m.end():end].strip(), flags=re.IGNORECASE)
                 for m, end in zip(marks, ends)]
        if any(not re.search(r"[A-Za-z]", p) or re.search(r"[.!?]\s+\S", p) for p in parts):
            return []  # a part that goes on into another sentence is no item of a list
        # A preface that names a topic goes with each part ("For the MIM: 1) ... 2) ..."); "Two questions:" not.
        # A request before them ("Could you let me know (a) ..., (b) ...") names no topic either.
        topic = ("" if not preface or request or _COUNTING.search(preface)
                 else preface.rstrip(":-\u2013\u2014 ") + ": ")
        return [topic + (p if p.endswith("?") else f"{p}?") for p in parts]

    def _items(self, text: str, unmarked: bool = False, listed: bool = False) -> List[str]:
        """A terse question listing topics ("credits + tuition for the online MLS?"), one question per topic.

        Each topic is a few words, none opening like a question ("how many credits and courses?" asks once);
        a phrase after the last one ("for the online MLS") applies to every topic. After a request or "what
        is" and with a comma, each thing asked may be longer and is asked with it ("could you tell me the
        credit value, the on-site hours and the course number?"). ``unmarked``: a sentence with neither a
        question mark nor a question's word order is a list only of three things or more (or with a phrase
        after the last), none opening with a pronoun, a greeting or a courtesy ("ok, thanks" is a reply).
        ``listed``: a preface counted the things ("3 questions:"), which may then be as long as requested ones.
        """
        core = text.strip().rstrip("?.").strip()
        if not (listed or text.strip().endswith("?") or core.count(",") or _MARKS_A_LIST.search(core)):
            return []
        asks_for = _ASKS_FOR.match(core) if core.count(",") and not _COMPARES.search(core) else None
        prefix, most = (asks_for.group(0), MAX_REQUESTED_WORDS) if asks_for else (
            "", MAX_REQUESTED_WORDS if listed else MAX_ITEM_WORDS)
        parts = [p.strip() for p in _LIST.split(core[len(prefix):]) if p and p.strip()]
        if len(parts) < 2:
            return []
        *first, last = parts
        # A phrase after the last thing applies to all ("credits + length of the online MLS"), not when the things
        # requested each have their own ("the duration of the online MLS, as well as the number of courses ...").
        tail = None if asks_for and any(_TAIL.search(p) for p in first) else _TAIL.search(last)
        shared = tail.group(0) if tail else ""
        items = first + [last[:tail.start()] if tail else last]
        if any(not p or len(p.split()) > most or p.split()[0].lower() in _WH | _AUX for p in items):
            return []
        if (unmarked or listed) and (len(items) < 3 and not shared and not listed or any(
                p.split()[0].lower() in _OPENERS | _WHO | _NOT_ASKED | _TELLING for p in items)):
            return []  # "ok, thanks", "College Park, MD", "my loans, my job, ...": no list of questions
        return [f"{prefix}{p}{shared}?" for p in items]

    def leaning(self, questions: List[str], told: Optional[str] = None) -> List[Optional[str]]:
        """Each question of a message read after the question it leans on, or None where it leans on none.

        A later question leans on the last one before it that does not lean itself when it points ("info
        sessions for the MLS? where are the in-person ones"), is a question word and a few words ("what
        time of year") or a few words only ("in-person locations?"): its reading with that question says
        what it asks about. The first question leans on the sentence ``told`` before it when it is a few words
        that point ("My library system only hires people with an ALA-accredited degree. Is this one, ...").
        """
        found: List[Optional[str]] = []
        anchor: Optional[str] = None
        for question in questions:
            asked = self._asked(question)
            if anchor is None and not found and told and _points(asked):
                found.append(f"{question} {told}")
                anchor = question  # later questions may lean on it
                continue
            leans = anchor is not None and bool(asked) and (
                any(w in _LEANING_POINTERS for w in asked) or len(asked) <= MAX_LEANING_WORDS - 1
                or (len(asked) <= MAX_LEANING_WORDS and _past_preposition(asked)[0] in _WH))
            found.append(f"{question} {anchor}" if leans else None)
            anchor = anchor if leans else question
        return found

    def terse(self, text: str) -> Set[str]:
        """The sentences of ``text`` that ask in a few words without a question's form (``_terse``)."""
        found: Set[str] = set()
        for sentence in self.nlp(text).sents:
            words = [t.lower_ for t in sentence if not t.is_punct]
            if _terse(words, self._clauses(sentence)) and not is_question(words, sentence.text):
                found.add(sentence.text.strip())
        return found

    def points(self, question: str) -> bool:
        """Whether a question is a few words that point ("Is this one"): it may lean on the sentence before it."""
        return _points(self._asked(question))

    def _asked(self, question: str) -> List[str]:
        """A question's words, without joiners and openers ("and", "hey")."""
        return [t.lower_ for t in self.nlp.make_doc(question)
                if not t.is_punct and t.lower_ not in _JOINERS and t.lower_ not in _OPENERS]

    def told_before(self, text: str, question: str) -> Optional[str]:
        """The sentence right before ``question`` in ``text`` when it asks nothing, else None."""
        start = text.find(question)
        if start <= 0:
            return None
        sentences = list(self.nlp(text[:start].strip()).sents)
        if not sentences:
            return None
        last = sentences[-1]
        words = [t.lower_ for t in last if not t.is_punct]
        return last.text.strip() if len(words) >= MIN_STATEMENT_WORDS and not is_question(words, last.text) else None

    def statements(self, text: str) -> List[str]:
        """The sentences of a text of several sentences that ask nothing, up to ``MAX_STATEMENTS``.

        Each is screened for a crisis on its own: a story may hold one in the middle, and the message as a
        whole reads as the question it ends with.
        """
        sentences = list(self.nlp(text).sents)
        if len(sentences) < 2:
            return []
        found = []
        for sentence in sentences:
            words = [t.lower_ for t in sentence if not t.is_punct]
            if len(words) >= MIN_STATEMENT_WORDS and not any(
                    is_question([t.lower_ for t in c if not t.is_punct], c.text) for c in self._clauses(sentence)):
                found.append(sentence.text.strip())
        return found[:MAX_STATEMENTS]

    def read_story(self, text: str) -> Tuple[List[str], bool]:
        """The questions of ``text``, and whether it tells a story around them (a few sentences of it)."""
        questions, statement_words = self.read(text)
        return questions, bool(questions) and statement_words >= STORY_WORDS

    def _clauses(self, sentence: Any) -> List[Any]:
        """The sentence cut before each joined clause that opens like a question ("... and do I need ...")."""
        cuts = [sentence.start]
        tokens = list(sentence)
        ends_asking = sentence.text.rstrip().endswith("?")
        for k, token in enumerate(tokens[:-1]):
            if token.lower_ not in _JOINERS and token.text not in _PUNCT_JOINERS:
                continue
            if token.lower_ == "so" and k > 0 and tokens[k - 1].lower_ == "if":
                continue  # "are any in person, and if so where?": one question
            rest = [t.lower_ for t in tokens[k + 1:k + 7] if t.lower_ not in _JOINERS and t.lower_ not in _OPENERS
                    and not t.is_punct and not _ENUMERATION.match(t.lower_)]
            # An auxiliary not negated opens a question too in a sentence that ends asking ("..., and is GRE
            # required?"), and after a clause that asks when it is one that asks (_ASKING_AUX: "how many years,
            # and are summers included"); elsewhere it needs its subject after it ("I work and do it part time").
            so_far = [t for t in tokens[:k] if t.i >= cuts[-1]]
            asks = ends_asking or (
                token.lower_ in _JOINERS and is_question([t.lower_ for t in so_far if not t.is_punct],
                                                         "".join(t.text_with_ws for t in so_far)))
            # "..., by when do I ...", and after "and" a hedge: "..., and roughly how long ...", not "I was
            # wondering, exactly how many ...".
            rest = _past_preposition(rest, hedged=token.lower_ in _JOINERS)
            opens = bool(rest) and (rest[0] in _WH or rest[0] in _INDIRECT or (
                rest[0] in _AUX and len(rest) > 1 and (rest[1] in _SUBJECTS or (
                    asks and rest[1] not in _NEGATIONS and (ends_asking or rest[0] in _ASKING_AUX)))))
            before = sum(1 for t in tokens[:k] if not t.is_punct) - sum(
                1 for t in tokens[:k] if t.i < cuts[-1])
            if opens and before >= self.min_words:
                cuts.append(token.i)
        cuts.append(sentence.end)
        doc = sentence.doc
        clauses = []
        for a, b in zip(cuts, cuts[1:]):
            while a < b and (doc[a].lower_ in _JOINERS or doc[a].text in _PUNCT_JOINERS):
                a += 1  # the joiner itself belongs to neither question
            while b > a and doc[b - 1].text in _PUNCT_JOINERS:
                b -= 1
            if b > a:
                clauses.append(doc[a:b])
        return clauses

    @staticmethod
    def last_question(text: str) -> Optional[str]:
        """The question after a message's last comma, semicolon or full stop ("ugh, ..., any way around it?")."""
        if not text.rstrip().endswith("?"):
            return None
        tail = re.split(r"[,;.!]\s+", text.strip())[-1]
        return tail if tail != text.strip() else None

    @staticmethod
    def pushed_back(text: str) -> Optional[str]:
        """The thing a message pushes back on, by name ("the summer classes"), or None (none, or a pointer)."""
        found = _PUSHES_BACK.search(text)
        if found is None:
            return None
        subject = found.group("subject")
        return subject if set(subject.lower().split()) - _NAMES_NOTHING else None

    def named_focuses(self, text: str, focuses: List[str]) -> List[str]:
        """The focuses a message's "that <noun>" names ("when is that visit?": the visit), else all of them."""
        doc = self.nlp.make_doc(text)
        nouns = [n.lower_ for n in (_pointed_noun(t) for t in doc if t.lower_ in _POINTERS) if n is not None]
        named = [f for f in focuses if any(_names(f, n) for n in nouns)]
        return named or focuses

    def in_focus(self, text: str, focus: str) -> Optional[Tuple[str, bool, bool]]:
        """``text`` read with the conversation's focus, whether it leans on it, and whether it is short.

        Short: up to ``max_follow_up_words``; a longer one (up to ``max_pointing_words``) must point. A pointer
        ("how many credits is it?") is replaced by the focus; otherwise the focus goes first ("the field
        study: where at?"). It leans on the focus when it points at it, speaks of "the ... ones", or is a few
        words only ("and how long is the MIM?" names its own subject); the conversation logic weighs the
        reading by that.
        """
        doc = self.nlp.make_doc(text)
        words = [t for t in doc if not t.is_punct]
        length = written_words(text)  # as written: the tokenizer cuts "cant" in two
        if not focus or not words or length > self.max_pointing_words:
            return None
        pointer = next((t for t in words if t.lower_ in _POINTERS), None)
        if pointer is None and length > self.max_follow_up_words:
            return None  # a longer message is read with the focus only when it points at it
        short = length <= self.max_follow_up_words
        asked = [t.lower_ for t in words if t.lower_ not in _JOINERS and t.lower_ not in _OPENERS]
        if len(asked) == 1 and asked[0] in _BARE_WH:  # "when?", "and where": when is the field study?
            return f"{asked[0]} is {focus}?", True, short
        if pointer is not None:
            # "that visit" where the focus is "the campus orientation visit": the focus replaces both words
            end, said = pointer.idx + len(pointer.text), focus
            named = _pointed_noun(pointer)
            after = _following(pointer)
            if named is not None and _names(focus, named.lower_):
                end = named.idx + len(named.text)
            elif pointer.lower_ == "it" and after is not None and after.lower_ in {"'s", "\u2019s"}:
                # "it's all online?": "... is all online?" (not "that's it, thanks")
                end, said = after.idx + len(after.text), focus + " is"
            return text[:pointer.idx] + said + text[end:], True, short
        place = next((t for t in words if t.lower_ == "there" and _points_at_a_place(t)), None)
        if place is not None:  # "who supervises me there?": at the field study
            return text[:place.idx] + "at " + focus + text[place.idx + len(place.text):], True, short
        # "the in-person ones" leans on the focus without naming it: it goes first
        ones = any(t.lower_ in _ONES or _bare_quantifier(t) for t in words)
        return f"{focus}: {text}", length <= 3 or ones, short


def _following(token: Any) -> Optional[Any]:
    """The token after ``token`` in its doc, or None at the end."""
    return token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None


def _pointed_noun(pointer: Any) -> Optional[Any]:
    """The word a pointer is said of ("that visit", "this trip"), or None ("is that required", "that's it")."""
    after = _following(pointer)
    if pointer.lower_ not in _DETERMINERS or after is None or not after.is_alpha or after.lower_ in _NOT_NOUNS:
        return None
    return after


def _names(focus: str, noun: str) -> bool:
    """Whether ``focus`` ("the campus orientation visit") names ``noun`` ("visit", "visits")."""
    words = {_singular(w) for w in re.findall(r"[a-z]+", focus.lower())}
    return _singular(noun) in words


def _singular(word: str) -> str:
    """"visits" -> "visit", "classes" -> "class"; "class" stays."""
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _terse(words: List[str], clauses: List[Any]) -> bool:
    """Whether a sentence that is no question is a few words that may ask ("Credits needed to graduate MLS online.").

    One clause only: a short clause joined to a question ("the MIM grads, where do they end up?") asks with it.
    """
    return len(clauses) == 1 and 0 < len(words) <= SHORT_CLAUSE_WORDS and not set(words) & _NOT_TERSE


def _points(asked: List[str]) -> bool:
    """Whether a question's words (``Finder._asked``) are a few that point ("Is this one", "Does that count?")."""
    return bool(asked) and len(asked) <= MAX_LEANING_WORDS and any(w in _POINTERS for w in asked)


def asks_aloud(text: str) -> bool:
    """Whether a part of a message is a question said as one, worth naming if it can't be answered.

    "possible?", "is there a written assignment?", "I want to know if the MLS is totally remote" ask; a clause
    of a story ("which worked fine.", "who has dementia", "If I do the online MLS", "be honest") does not.
    """
    words = re.findall(r"[\w']+", text.lower())
    if not words:
        return False
    relative = words[0] in _RELATIVE and (len(words) < 2 or words[1] not in _ASKING_AUX)
    return text.strip().endswith("?") or (_asks(text) and not relative)


def _asks(text: str) -> bool:
    """Whether a part found as a question asks in its own words, the question mark a list may add aside.

    "i have a bottle of pills ready" counted off as item 1 tells; "whether I'm beating her" asks.
    """
    bare = text.strip().rstrip("?").strip()
    return is_question(re.findall(r"[\w']+", bare.lower()), bare)


def written_words(text: str) -> int:
    """How many words the writer wrote ("cant" is one, "?" none)."""
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))


def _bare_quantifier(token: Any) -> bool:
    """Whether ``token`` is a quantifier standing alone ("are any in person?", "credits each?"), not "any way"."""
    if token.lower_ not in _QUANTIFIERS:
        return False
    after = _following(token)
    if token.lower_ == "one" and ((token.i > 0 and token.doc[token.i - 1].lower_ in _NOT_BEFORE_ONE) or (
            after is not None and after.lower_ in _NOT_AFTER_ONE)):
        return False  # "no one in my family", "which one is", "one last time": no thing named before
    return after is None or after.is_punct or after.lower_ in _AFTER_A_BARE_QUANTIFIER


def _points_at_a_place(token: Any) -> bool:
    """Whether "there" names a place ("who supervises me there?"), not that something exists ("is there")."""
    doc = token.doc
    before = doc[token.i - 1].lower_ if token.i > 0 else ""
    after = doc[token.i + 1].lower_ if token.i + 1 < len(doc) else ""
    return before not in _EXIST_BEFORE and after not in _EXIST_AFTER


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class QuestionFinder(GraphComponent):
    """Adds a message per question, and one read with the focus; place it right after TextLimit."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Up to five questions a message (the turn answers three); a follow-up read with the focus up to 8 words.

        Up to twelve when it points at the focus ("is there any mechanism for being excused from it?").
        """
        return {"max_questions": 5, "min_words": 2, "max_follow_up_words": 8, "max_pointing_words": 12}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.finder = Finder(int(config["max_questions"]), int(config["min_words"]),
                             int(config["max_follow_up_words"]), int(config["max_pointing_words"]))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> QuestionFinder:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """The messages, then the extra messages of each (marked with the index of the one they come from)."""
        extra: List[Message] = []
        for index, message in enumerate(messages):
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip() or text.startswith("/"):
                continue
            metadata = message.get("metadata") or {}
            said = idioms.plain(text)
            if said is not None:  # read as meant, and its questions and focus from that reading
                message.set(IDIOM, {"grave": said.grave}, add_to_output=True)
                extra.append(Message(data={TEXT: said.text, PARENT: index, KIND: PLAIN, "metadata": metadata}))
                text = said.text
            questions, story = self.finder.read_story(text)
            if story:  # a story before (or around) the question: acknowledged, with condolences for a loss told
                message.set(STORY, True, add_to_output=True)
                if _GRIEF.search(text):
                    message.set(LOSS, True, add_to_output=True)
            pointing = bool(questions) and self.finder.points(questions[0])
            told = self.finder.told_before(text, questions[0]) if pointing else None
            terse = self.finder.terse(text) if len(questions) > 1 else set()
            for number, (question, leaning) in enumerate(zip(questions, self.finder.leaning(questions, told))):
                extra.append(Message(data={TEXT: question, PARENT: index, KIND: QUESTION, NUMBER: number,
                                           TERSE: question in terse, "metadata": metadata}))
                if leaning:
                    extra.append(Message(data={TEXT: leaning, PARENT: index, KIND: IN_MESSAGE, NUMBER: number,
                                               "metadata": metadata}))
            for statement in self.finder.statements(text):
                extra.append(Message(data={TEXT: statement, PARENT: index, KIND: STATEMENT, "metadata": metadata}))
            subject = None if _GRAVE.search(text) else self.finder.pushed_back(text)
            if subject:  # never beside grave words ("can I skip the orientation? i've decided to end things")
                # asked as a requirement: "do I have to do the campus part?" reads surer than the words alone
                extra.append(Message(data={TEXT: f"do I have to do {subject}?", PARENT: index, KIND: SUBJECT,
                                           "metadata": metadata}))
            context = metadata.get("context") if isinstance(metadata, dict) else None
            focus = context.get("focus") if isinstance(context, dict) else None
            # The message, or else its last question, read with the focus; after an answer to several questions,
            # with each of their subjects ("the orientation visit | the course load"): the collector keeps the
            # surest reading.
            focuses = focus.split(FOCUS_SEPARATOR)[:MAX_FOCUSES] if isinstance(focus, str) else []
            for one in self.finder.named_focuses(text, focuses):
                last = questions[-1] if questions else self.finder.last_question(text)
                read = self.finder.in_focus(text, one)
                if read is None and last:
                    # The last question of a longer message, read with the focus: the message is not short (its
                    # other sentences may be a crisis: "what if I can't make it? my chest is crushing").
                    read = self.finder.in_focus(last, one)
                    read = (read[0], read[1], False) if read else None
                if read:
                    extra.append(Message(data={TEXT: read[0], PARENT: index, KIND: IN_FOCUS, LEANS: read[1],
                                               SHORT: read[2], FOCUS: one, "metadata": metadata}))
        return messages + extra

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are one question each: nothing to add."""
        return training_data


def reading(message: Message) -> Dict[str, Any]:
    """What the pipeline made of a question's message: its text, label, confidence and entities."""
    parse = {INTENT: message.get(INTENT) or {}, RESPONSE_SELECTOR: message.get(RESPONSE_SELECTOR) or {}}
    entities = [{"entity": e.get("entity"), "value": e.get("value")} for e in message.get(ENTITIES) or []]
    return {"text": message.get(TEXT), "label": full_label(parse), "confidence": round(confidence(parse), 4),
            "entities": entities, "crisis_phrase": bool(message.get(CRISIS_PHRASE))}


def own_crisis_confidence(message: Message) -> float:
    """How sure the classifier itself was of a crisis: before the phrase list overrode it, or its confidence."""
    overridden = message.get(OVERRIDDEN) or {}
    return float(overridden["crisis"] if overridden else (message.get(INTENT) or {}).get("confidence") or 0.0)


def _sureness(message: Message) -> Tuple[bool, float]:
    """A reading's rank among readings with the focus: a program answer first, then the surer."""
    found = reading(message)
    return answers(found["label"]), found["confidence"]


_FOCUS_STOP = {"the", "a", "an", "of", "and", "for", "to", "in", "on", "program", "programs", "online", "office"}
SETTLED_TOPICS = 3


def settle_on_focus(message: Message, floor: float) -> None:
    """A reading with the focus that hesitates between topics takes the likeliest one about the focus.

    "How many credit hours the field study counts?" hesitates between the field study's course (0.46) and the
    program's credits (0.30); "Is there a deadline for having the technology requirements in place?" between
    deadlines, what the page does not say and the technology (0.24). The message points at the focus, so a topic
    about it (the focus's words in the topic's name: "field study" in field_study_course) among the first three,
    ranked at least ``floor``, is what it asks. Only when the FAQ intent leads; the reading is marked settled and
    keeps the topic's own confidence, and never makes a crisis reading uncertain (``_harmless``).
    """
    intent = message.get(INTENT) or {}
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK]
    if intent.get("name") != FALLBACK or not ranking or ranking[0].get("name") != RETRIEVAL_INTENT:
        return
    words = {_singular(w) for w in re.findall(r"[a-z]+", (message.get(FOCUS) or "").lower())} - _FOCUS_STOP
    selector = (message.get(RESPONSE_SELECTOR) or {}).get(RETRIEVAL_INTENT) or {}
    for entry in (selector.get("ranking") or [])[:SETTLED_TOPICS]:
        key = str(entry.get("intent_response_key") or "")
        topic = {_singular(w) for w in key.partition("/")[2].split("_")}
        if float(entry.get("confidence") or 0.0) >= floor and words and words & topic:
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set(RESPONSE_SELECTOR, {**(message.get(RESPONSE_SELECTOR) or {}), RETRIEVAL_INTENT: {
                **selector, "response": {**(selector.get("response") or {}), "intent_response_key": key,
                                         "confidence": entry.get("confidence")}}}, add_to_output=True)
            message.set(SETTLED, True)
            return


def take_reading(message: Message, reading_: Message, with_entities: bool = False) -> None:
    """Give ``message`` the classification of one of its readings.

    Its entities too when the reading is the whole message said another way (the plain reading of idioms).
    """
    for key in (INTENT, INTENT_RANKING_KEY, RESPONSE_SELECTOR) + ((ENTITIES,) if with_entities else ()):
        message.set(key, reading_.get(key), add_to_output=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class QuestionCollector(GraphComponent):
    """Hangs the extra messages' readings on their message and sets the crisis level; place it last."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The crisis intent, and how sure a harmless reading must be to make a crisis reading uncertain."""
        # max_named_crisis: a message naming a crisis in words is read as a program question only when the
        # classifier itself gave the crisis less than this (a word used in passing: "phew, I thought I'd have
        # to kill myself flying back and forth lol, who do I call about travel?").
        # max_crisis_beside_question: a crisis reading this sure stays one whatever else the message asks
        # ("someone got stabbed outside the library, who do I call?").
        # A message the classifier read, unsure, as small talk or out of scope takes its in-focus reading
        # when that points at the focus and is a sure program question ("who supervises me there?" after the
        # field study: not a greeting). Rules answer those intents with a fixed response, so the choice is made
        # here: below max_small_talk_confidence for the one, min_focus_over_small_talk for the other.
        # A handoff request read less than max_handoff_confidence sure takes an in-focus reading that leans and is
        # min_focus_over_handoff sure ("can I go to one in person?" after the information sessions).
        # A message of max_terse_words read as out of scope, however surely, takes an in-focus reading that is
        # min_focus_over_terse sure ("any big names?" after the field study sites); one read out of scope less
        # than max_out_of_scope sure, one that is min_focus_over_out_of_scope sure.
        # min_sentence_crisis: how sure the classifier must be that one sentence of a longer message is a crisis
        # (naming one in words is enough) for the message to be one (``_crisis_in_a_sentence``).
        # min_settled_topic: a hesitant reading with the focus settles on a topic about the focus ranked at least
        # this sure among its first three (``settle_on_focus``).
        # min_sure_question: a message read as a program question this sure is not read as pushing back because
        # one of its parts is ("... die happy ... at the Library of Congress. is that an option??").
        return {"crisis_intent": "crisis", "min_question_confidence": 0.5, "max_named_crisis": 0.2,
                "max_crisis_beside_question": 0.8, "max_small_talk_confidence": 0.7,
                "max_handoff_confidence": 0.8, "min_focus_over_handoff": 0.98,
                "min_focus_over_small_talk": 0.9, "min_sentence_crisis": 0.9, "max_terse_words": 3,
                "min_focus_over_terse": 0.95, "max_out_of_scope": 0.9, "min_focus_over_out_of_scope": 0.99,
                "min_sure_question": 0.95, "min_settled_topic": 0.2}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> QuestionCollector:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """The messages alone, each with its questions' and in-focus readings and its crisis level."""
        own = [m for m in messages if m.get(PARENT) is None]
        extra: Dict[int, List[Message]] = {}
        for message in messages:
            if message.get(PARENT) is not None:
                extra.setdefault(message.get(PARENT), []).append(message)
        for index, message in enumerate(own):
            questions = [m for m in extra.get(index, []) if m.get(KIND) == QUESTION]
            for one in extra.get(index, []):
                if one.get(KIND) == IN_FOCUS:
                    settle_on_focus(one, float(self.config["min_settled_topic"]))
            focused = max((m for m in extra.get(index, []) if m.get(KIND) == IN_FOCUS), key=_sureness, default=None)
            plain = next((m for m in extra.get(index, []) if m.get(KIND) == PLAIN), None)
            explained = plain is not None and self._said_plainly(message, plain)
            self._focus_over_small_talk(message, focused)
            parts = [m for m in extra.get(index, []) if m.get(KIND) in (QUESTION, STATEMENT)]
            self._crisis_in_a_sentence(message, [m for m in parts if m.get(KIND) == STATEMENT or (
                m.get(KIND) == QUESTION and not _asks(m.get(TEXT) or ""))], parts, plain)
            if questions:
                leaning = {m.get(NUMBER): m for m in extra.get(index, []) if m.get(KIND) == IN_MESSAGE}
                message.set(QUESTIONS, [self._question(m, leaning.get(m.get(NUMBER))) for m in questions],
                            add_to_output=True)
            if focused is not None:
                message.set(IN_FOCUS, {**reading(focused), LEANS: bool(focused.get(LEANS)),
                                       **({SETTLED: True} if focused.get(SETTLED) else {})}, add_to_output=True)
            subject = next((m for m in extra.get(index, []) if m.get(KIND) == SUBJECT), None)
            if subject is not None:
                message.set(SUBJECT, reading(subject), add_to_output=True)
            self._crisis_level(message, questions, focused, explained, plain)
        return own

    def _said_plainly(self, message: Message, plain: Message) -> bool:
        """The message takes the classification of its plain reading; whether the idioms explain a crisis reading.

        Nothing changes when the plain words still name or read as a crisis. An idiom that speaks of dying
        ("I'd rather die than ...") replaces a crisis reading only with a confident program question (else
        its questions or its reading with the focus may, see ``_crisis_level``; "I'd rather die than keep
        doing this" stays a crisis), and the answer keeps the 988 line (crisis level 'uncertain'). One that
        only borrows a word ("shooting for a fall start") gives the message its plain reading, no crisis.
        """
        crisis = (message.get(INTENT) or {}).get("name") == self.config["crisis_intent"]
        plain_intent = plain.get(INTENT) or {}
        plain_crisis = plain.get(CRISIS_PHRASE) or (plain_intent.get("name") == self.config["crisis_intent"] and float(
            plain_intent.get("confidence") or 0.0) >= float(self.config["max_crisis_beside_question"]))
        # Grave words the idioms leave keep a crisis one ("I'll be dead by graduation, I don't plan to be around").
        plain_crisis = plain_crisis or (crisis and bool(_GRAVE.search(plain.get(TEXT) or "")))
        grave = bool((message.get(IDIOM) or {}).get("grave"))
        if plain_crisis:
            return False
        if (crisis and grave and not self._harmless(plain)) or plain_intent.get("name") == self.config["crisis_intent"]:
            return True  # a program question among its readings may still be answered (``_crisis_level``)
        if crisis:
            message.set(CRISIS_CONFIDENCE, round(own_crisis_confidence(message), 4), add_to_output=True)
            if grave:
                message.set(CRISIS_LEVEL, "uncertain", add_to_output=True)
        take_reading(message, plain, with_entities=True)
        message.set(CRISIS_PHRASE, False)
        message.set(OVERRIDDEN, None)
        return True

    def _question(self, question: Message, leaning: Optional[Message]) -> Dict[str, Any]:
        """A question's reading, or its reading after the question it leans on (``Finder.leaning``).

        That one counts only when the question alone is no sure program question ("what time of year" reads
        as small talk): read after another question, a question of its own ("and what specialization does it
        have?" after the MIM's credits) takes the other's topic.
        """
        own = {**reading(question), ASKS_ALOUD: asks_aloud(question.get(TEXT) or "")}
        if question.get(TERSE):
            own[TERSE] = True
        if leaning is None:
            return own
        found = reading(leaning)
        if (not answers(found["label"]) or found["confidence"] < float(self.config["min_question_confidence"])
                or own["crisis_phrase"] or own["label"] == self.config["crisis_intent"]):
            return own
        # Unsure as the turn counts it (bot/conversation/turn.py): a question it would answer keeps its reading. One
        # read alone as what the page does not say gives way to a reading after the question it points at ("when do
        # you usually hold them" after the information sessions), which names what it asks about.
        unsure = not answers(own["label"]) or own["confidence"] < MIN_QUESTION_CONFIDENCE or (
            own["label"] == _CATCH_ALL and found["label"] != _CATCH_ALL)
        return {**found, "text": own["text"]} if unsure else own

    def _focus_over_small_talk(self, message: Message, focused: Optional[Message]) -> None:
        """An unsure small-talk or out-of-scope reading gives way to a sure in-focus program question.

        A handoff request only when it is unsure and leans on the focus ("can I go to one in person?" after the
        information sessions); crises and the handoff form's own intents are never replaced, nor small talk the
        classifier is sure of ("ok that's it", "nope", "thanks for that"), nor a message naming a means, a
        danger or hopelessness. Out of scope is replaced when it is a few words or the reading with the
        focus is all but certain (see ``get_default_config``).
        """
        own = message.get(INTENT) or {}
        handoff = own.get("name") == HANDOFF
        if focused is None or (own.get("name") not in SMALL_TALK and not handoff) or _GRAVE.search(
                message.get(TEXT) or ""):
            return  # "got the rope" after the field study is no question about it
        found, mine, config = reading(focused), float(own.get("confidence") or 0.0), self.config
        if not answers(found["label"]) or found["crisis_phrase"]:
            return
        if handoff:
            # "can I go to one in person?" after the information sessions asks about them, not for a person: an
            # unsure handoff request that leans on the focus and is all but certain with it.
            if (focused.get(LEANS) and mine < float(config["max_handoff_confidence"])
                    and found["confidence"] >= float(config["min_focus_over_handoff"])):
                take_reading(message, focused)
            return
        takes = bool(focused.get(LEANS)) and mine < float(config["max_small_talk_confidence"]) and (
            found["confidence"] >= float(config["min_focus_over_small_talk"]))
        if own.get("name") == "out_of_scope":
            # Out of scope alone, a program question with the focus: a few words ("any big names?" after the
            # field study sites), or read unsure alone and all but certain with the focus ("seriously? cant i get
            # an exemption" after the orientation visit).
            terse = written_words(message.get(TEXT) or "") <= int(config["max_terse_words"])
            takes = takes or (terse and found["confidence"] >= float(config["min_focus_over_terse"])) or (
                mine < float(config["max_out_of_scope"])
                and found["confidence"] >= float(config["min_focus_over_out_of_scope"]))
        if not takes:
            return
        take_reading(message, focused)

    def _crisis_in_a_sentence(self, message: Message, statements: List[Message], parts: List[Message] = (),
                              plain: Optional[Message] = None) -> None:
        """A message one of whose sentences reads as a crisis on its own is a crisis, whatever it asks.

        "... I've been stockpiling my antidepressants, I have about 90 now ... Anyway, would the online MLS
        prepare me for an academic library job?" reads as a question about the MLS as a whole. A sentence
        counts when it names a crisis in words the classifier does not read as a topic (``max_named_crisis``),
        when the classifier is ``min_sentence_crisis`` sure of it and it names a means, an injury or a danger
        (``_RISK``), or when it reads as a crisis and tells of a means taken on purpose ("i took like 40
        tylenol an hour ago on purpose"). Parts found as questions that tell rather than ask are screened too
        ("1) i have a bottle of pills ready 2) who do i tell that im dropping my classes"), and a message read
        as a crisis as a whole is marked so: nothing else it asks makes it uncertain.

        Pushing back on the last answer borrows a crisis's words. When the message reads as pushing back, a
        sentence the classifier is sure is a crisis is one, means named or not ("can I skip it? I have a plan to
        end things"); when it or any of its ``parts`` does, so is despair said of oneself (``_DESPAIR``, in the
        words of the ``plain`` reading when idioms were said plainly: "the wait is killing me. what if I just
        disappear for good?").
        """
        crisis_intent = self.config["crisis_intent"]
        # What the classifier reads first when it is unsure ("what if I just disappear?": nlu_fallback, then
        # pushback 0.53, crisis 0.46).
        first = next((r.get("name") for r in message.get(INTENT_RANKING_KEY) or [(message.get(INTENT) or {})]
                      if r.get("name") != FALLBACK), None)
        # A part pushing back counts unless the whole message is a sure program question ("i would literally die
        # happy if i got to do my field study at the Library of Congress. is that an option??").
        whole = reading(message)
        sure_question = answers(whole["label"]) and whole["confidence"] >= float(self.config["min_sure_question"])
        pushing_back = first == PUSHBACK or (not sure_question and any(reading(m)["label"] == PUSHBACK for m in parts))
        unsure = (message.get(INTENT) or {}).get("name") == FALLBACK
        said = (plain if plain is not None else message).get(TEXT) or ""
        if ((pushing_back or (unsure and first == crisis_intent))
                and (message.get(INTENT) or {}).get("name") != crisis_intent and _DESPAIR.search(said)):
            message.set(INTENT, {"name": crisis_intent, "confidence": 1.0}, add_to_output=True)
            message.set(CRISIS_SENTENCE, message.get(TEXT), add_to_output=True)
            return
        for statement in statements:
            intent = statement.get(INTENT) or {}
            if intent.get("name") != crisis_intent:
                continue
            own = own_crisis_confidence(statement)
            named = bool(statement.get(CRISIS_PHRASE)) and own >= float(self.config["max_named_crisis"])
            text = statement.get(TEXT) or ""
            # Beside a message read as pushing back as a whole, no means need be named; beside a part that pushes
            # back in a longer message, it must ("i am kind of scared tho bc i havent been in school since 2012"
            # reads as a crisis alone).
            sure = own >= float(self.config["min_sentence_crisis"]) and (first == PUSHBACK or _RISK.search(text))
            # A means taken on purpose ("i took like 40 tylenol an hour ago on purpose") is one, read as a crisis
            # however surely.
            deliberate = bool(_RISK.search(text)) and bool(_DELIBERATE.search(text))
            if named or sure or deliberate:
                if (message.get(INTENT) or {}).get("name") == crisis_intent:
                    message.set(CRISIS_SENTENCE, statement.get(TEXT), add_to_output=True)
                    return
                take_reading(message, statement)
                message.set(CRISIS_PHRASE, bool(statement.get(CRISIS_PHRASE)))
                message.set(OVERRIDDEN, None)
                message.set(CRISIS_SENTENCE, statement.get(TEXT), add_to_output=True)
                return

    def _harmless(self, message: Optional[Message], pushback: bool = False) -> bool:
        """Whether a question's message is a confident program question naming no crisis.

        ``pushback``: a student pushing back on the last answer counts too; only for a short follow-up read with
        the focus, or beside words idioms explain, never beside a crisis ("any exceptions? I'm thinking about
        ending things").
        """
        # Never a reading settled on the focus (less sure than it looks), nor one of what the page does not say: a
        # crisis said in words the classifier cannot place reads as that ("I just want to go to sleep forever").
        if message is None or message.get(CRISIS_PHRASE) or message.get(SETTLED):
            return False
        found = reading(message)
        if found["label"] == _CATCH_ALL:
            return False
        floor = float(self.config["min_question_confidence"])
        return (answers(found["label"]) or (pushback and found["label"] == PUSHBACK)) and found["confidence"] >= floor

    def _crisis_level(self, message: Message, questions: List[Message], focused: Optional[Message],
                      explained: bool = False, plain: Optional[Message] = None) -> None:
        """'certain' or 'uncertain' for a message classified as a crisis (see the module's docstring).

        An uncertain one takes its harmless reading's classification, so the rules answer the question.
        ``explained``: idioms account for the crisis reading (their plain words read as no crisis), so the
        classifier's confidence in it does not keep a harmless question from being answered.
        """
        if (message.get(INTENT) or {}).get("name") != self.config["crisis_intent"]:
            return
        if message.get(CRISIS_SENTENCE):  # a crisis told among other sentences: nothing else it says explains it
            message.set(CRISIS_CONFIDENCE, round(float((message.get(INTENT) or {}).get("confidence") or 0.0), 4),
                        add_to_output=True)
            message.set(CRISIS_LEVEL, "certain", add_to_output=True)
            return
        harmless = None
        overridden = message.get(OVERRIDDEN) or {}
        crisis = own_crisis_confidence(message)
        message.set(CRISIS_CONFIDENCE, round(crisis, 4), add_to_output=True)
        # A crisis named in words stays certain, unless the classifier itself read something else and the
        # message asks a program question in context (the certain level needs both the words and the
        # classifier). Words used as a topic ("books about suicide") are read plainly before this.
        topical = bool(overridden) and crisis < float(self.config["max_named_crisis"])
        # A message naming a means, an injury, a danger, hopelessness or a farewell is not made harmless by a
        # program question beside it or read with the focus ("rope's ready. can i skip it?"), unless idioms
        # explain the words ("I'd rather die than fly"): what idioms leave is read for them ("this commute is
        # killing me. what if I just disappear for good?" stays certain).
        said = (plain if plain is not None and explained else message).get(TEXT) or ""
        grave = bool(_GRAVE.search(said))
        if not message.get(CRISIS_PHRASE) or topical:
            # Explained by idioms, a question read with the focus counts even where it names no pointer, or comes
            # from a longer message. Otherwise a longer message's pointer may point inside it ("I've got pills
            # saved up and I'm taking them tonight"): only a short follow-up's reading with the focus makes a
            # crisis reading uncertain.
            leaning = (focused if focused is not None and (focused.get(SHORT, True) or explained)
                       and (focused.get(LEANS) or explained) else None)
            # Not when the message names a means or a danger ("then thats it. ive got the rope ready" after the
            # orientation visit), unless idioms explain it. Nor a reading that asks who to contact, for a person or
            # what the page does not say: with the office in focus, "they won't reach me in time" reads as one.
            if (self._harmless(leaning, pushback=True) and not grave
                    and reading(leaning)["label"] not in _NOT_EXPLAINING):
                harmless = leaning  # "is there any way around it?" right after the orientation visit
            # Grief, then a question: the classifier is sure of a crisis in many such messages ("my brother
            # died suddenly and i cant start this year. who do i call"); beside a program question a sure reading
            # gives way only when the message speaks of a loss or an illness and names no means, injury, danger,
            # hopelessness or farewell ("I wish I were dead. how do I withdraw?" stays certain).
            elif not grave and (explained or crisis < float(self.config["max_crisis_beside_question"])
                                or _GRIEF.search(message.get(TEXT) or "")):
                # Pushing back counts beside a crisis reading only when idioms explain that reading ("that timing
                # is gonna be the death of me. exceptions?") or it tells of a loss or an illness ("my mom has
                # cancer, I can't leave her that week. any exceptions?"); never beside a grave word.
                # A loss told, then a question read with the focus counts too ("lost my mom this spring, not sure i
                # can handle that many, options?" after the course load).
                grief = bool(_GRIEF.search(message.get(TEXT) or ""))
                beside = questions + ([focused] if focused is not None and (grief or explained) else [])
                harmless = next((q for q in beside if self._harmless(q, pushback=explained or grief)), None)
        if harmless is None:
            message.set(CRISIS_LEVEL, "certain", add_to_output=True)
            return
        take_reading(message, harmless)
        message.set(CRISIS_LEVEL, "uncertain", add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to collect in training."""
        return training_data
