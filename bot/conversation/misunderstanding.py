"""What the assistant does when it keeps misunderstanding: did you mean…?, rephrase, offer a person.

The steps follow the number of user messages in a row that the assistant could not place (the
misunderstanding action answered each of them). Counting from the tracker's events, rather than in a
slot, keeps the count right across digressions, forms and restarts of the action server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from bot.conversation.advising import INTENT_TOPICS, covered
from bot.conversation.parse import CATCH_ALL_TOPIC, RETRIEVAL_INTENT, faq_topic
from bot.knowledge.store import KnowledgeStore

ACTION = "action_handle_misunderstanding"
SLOT = "last_misunderstanding"  # the reply ACTION gave last; None when it answered from context
# The replies, in order: each misunderstanding in a row gets the one after the previous reply. After
# the offer of a person the assistant stops offering anything new (no loop back to "did you mean") and
# points to the office instead.
ORDER = ("out_of_scope", "did_you_mean", "rephrase", "offer_person", "still_not_understood")
# Topics are offered only when the classifier gave the FAQ intent some weight (the topic ranking is each
# topic's share of that weight, so on its own it says nothing), and only topics with weight.
MIN_FAQ_CONFIDENCE = 0.1
MIN_TOPIC_CONFIDENCE = 0.05
MAX_CHOICES = 3
# A message this short that names a program, right after a question back or an answer, completes it.
FOLLOW_UP_MAX_WORDS = 4
OVERVIEW_TOPIC = "program_overview"
# A follow-up that names a topic answered by its own action ("and what about the other program's
# specializations?") asks that topic, though the opening ("and what about…") makes the classifier call it a
# follow-up: it ranks the topic's intent next. Bare follow-ups ("and the other one?") give those intents ~0.
MIN_NAMED_TOPIC_CONFIDENCE = 0.1


# A message the classifier hesitated on between one covered topic and one not on the page ("is the MIM only useful if
# I want to work at a tech company?": the careers, or something the page does not say) gets that topic's answer,
# then who can answer what it leaves out, rather than a "did you mean" with one choice. Both together must hold
# this much of the topic ranking, the topic first and at least MIN_GUESS_TOPIC of it.
MIN_GUESS_PAIR, MIN_GUESS_TOPIC, MIN_GUESS_FAQ = 0.9, 0.35, 0.5


@dataclass(frozen=True)
class Choice:
    """A "did you mean" button: the topic's title and the payload that asks it."""

    title: str
    payload: str


def streak(events: Iterable[dict[str, Any]]) -> int:
    """How many user messages in a row, the latest included, went to the misunderstanding action."""
    count, pending = 0, False
    for event in events:
        kind = event.get("event")
        if kind == "user":
            pending = True
        elif kind == "action" and pending and event.get("name") not in (None, "action_listen"):
            count = count + 1 if event["name"] == ACTION else 0
            pending = False
    # The latest message is being answered by the misunderstanding action right now.
    return count + 1 if pending else count


def step(misunderstood: int, previous: str | None, *, unsure: bool = False, has_choices: bool = False) -> str:
    """The reply to the n-th misunderstanding in a row, given the reply to the one before.

    ``unsure``: the classifier hesitated (nlu_fallback) rather than judging the message off-topic; then
    a first miss with likely topics already gets "did you mean" instead of "I can only help with".
    Without likely topics, "did you mean" is passed over for a request to rephrase.
    """
    if misunderstood <= 1 or previous not in ORDER:
        return "did_you_mean" if unsure and has_choices else "out_of_scope"
    found = ORDER[min(ORDER.index(previous) + 1, len(ORDER) - 1)]
    return "rephrase" if found == "did_you_mean" and not has_choices else found


def is_short(parse: dict[str, Any]) -> bool:
    """Whether the message is no longer than a bare follow-up or a program typed as an answer ("and the MIM?")."""
    return len((parse.get("text") or "").split()) <= FOLLOW_UP_MAX_WORDS


def first_ranked(parse: dict[str, Any], *skipped: str) -> dict[str, Any]:
    """The best-ranked intent (name and confidence) other than ``skipped``; empty when there is none."""
    return next((i for i in parse.get("intent_ranking") or [] if i.get("name") not in skipped), {})


def names_a_program(parse: dict[str, Any], *, unsure: bool) -> bool:
    """Whether a message the classifier could not place is a program typed as an answer.

    Either it is little more than the program's name ("MLS", "the library one please"), or the
    classifier hesitated with the follow-up intent as its runner-up.
    """
    return is_short(parse) or (unsure and runner_up(parse) == "follow_up")


def continues_last_topic(parse: dict[str, Any], last_topic: str | None) -> bool:
    """Whether a short question the selector took for a program's overview continues the last topic.

    "what about the MLS?" right after the MIM's specializations asks for the MLS's, though out of context it
    reads like "about the MLS". The classifier sees no context and only hints at it, ranking the follow-up
    intent next; a question that really asks for the overview after another topic says more than that.
    """
    if faq_topic(parse) != OVERVIEW_TOPIC or last_topic in (None, "", OVERVIEW_TOPIC):
        return False
    return is_short(parse) and first_ranked(parse, RETRIEVAL_INTENT, "nlu_fallback").get("name") == "follow_up"


def topic_named_in_follow_up(parse: dict[str, Any]) -> str | None:
    """The topic a follow-up names besides the program ("and the other program's specializations?"), if any.

    Only a message longer than a bare follow-up counts, and only when the classifier ranked a topic's own
    intent right after the follow-up with some weight.
    """
    named = {} if is_short(parse) else first_ranked(parse, "follow_up", "nlu_fallback")
    if named.get("confidence", 0.0) < MIN_NAMED_TOPIC_CONFIDENCE:
        return None
    return INTENT_TOPICS.get(named.get("name") or "")


def runner_up(parse: dict[str, Any]) -> str | None:
    """The intent the classifier ranked first after the fallback, when it hesitated."""
    return first_ranked(parse, "nlu_fallback").get("name")


def faq_ranking(parse: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
    """The FAQ intent's confidence and the topic ranking (each topic's share of it), best first."""
    weight = next((i.get("confidence", 0.0) for i in parse.get("intent_ranking") or []
                   if i.get("name") == RETRIEVAL_INTENT), 0.0)
    return weight, parse.get("response_selector", {}).get(RETRIEVAL_INTENT, {}).get("ranking") or []


def choices(parse: dict[str, Any], store: KnowledgeStore) -> list[Choice]:
    """The FAQ topics the message most likely meant, with their titles, best first."""
    weight, topics = faq_ranking(parse)
    if weight < MIN_FAQ_CONFIDENCE:
        return []
    found = []
    for candidate in topics:
        key = candidate.get("intent_response_key") or ""
        if candidate.get("confidence", 0.0) < MIN_TOPIC_CONFIDENCE or "/" not in key \
                or key.split("/", 1)[1] == CATCH_ALL_TOPIC:
            continue
        variants = store.answer_variants(key.split("/", 1)[1])
        if variants:
            found.append(Choice(variants[0].title, f"/{key}"))
        if len(found) == MAX_CHOICES:
            break
    return found


@dataclass(frozen=True)
class Guess:
    """The covered topic a hesitant message meant, and the topic off the page it beat when one is named."""

    topic: str
    missing: str | None = None


def guess(parse: dict[str, Any], store: KnowledgeStore) -> Guess | None:
    """The one covered topic a hesitant message meant, when its only rival is a topic the page does not cover.

    "is the MIM only useful if I want to work at a tech company?" (the careers, or not on the page): the careers,
    then who can answer the rest. "what's the price difference between online and on campus?" (the comparison, or
    tuition): the comparison and ``missing`` tuition, so "I don't have information about tuition and fees" follows;
    never the comparison alone.
    """
    weight, topics = faq_ranking(parse)
    topics = topics[:2]
    if weight < MIN_GUESS_FAQ or len(topics) < 2 or sum(t.get("confidence", 0.0) for t in topics) < MIN_GUESS_PAIR:
        return None
    (first, confidence), (second, _) = [(_topic(t), t.get("confidence", 0.0)) for t in topics]
    # not on the page second: ranked first, no answer that only sounds like one is given
    if covered(store, second) or not covered(store, first) or confidence < MIN_GUESS_TOPIC:
        return None
    return Guess(first, None if second == CATCH_ALL_TOPIC else second)


def not_on_page(parse: dict[str, Any], store: KnowledgeStore) -> str | None:
    """The first of the topics (up to three) a hesitant message hesitated between when the page covers none.

    "I sent my transcripts last week, how do I find out if they arrived?" (application materials or status):
    either answer is "the page does not say" and who can answer, so that answer beats a "did you mean".
    """
    weight, topics = faq_ranking(parse)
    held, rivals = 0.0, []
    for topic in topics[:MAX_CHOICES]:
        rivals.append(_topic(topic))
        held += topic.get("confidence", 0.0)
        if held >= MIN_GUESS_PAIR:
            break
    if weight < MIN_GUESS_FAQ or held < MIN_GUESS_PAIR or any(covered(store, topic) for topic in rivals):
        return None
    # Two different missing things named (tuition or the GRE): the page lacks whichever was meant.
    named = {topic for topic in rivals[:2] if topic != CATCH_ALL_TOPIC}
    return CATCH_ALL_TOPIC if len(named) > 1 else rivals[0]


def _topic(ranked: dict[str, Any]) -> str:
    """The topic of a response-selector ranking entry ('faq/careers' -> 'careers')."""
    return (ranked.get("intent_response_key") or "").split("/", 1)[-1]
