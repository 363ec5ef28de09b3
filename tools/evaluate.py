"""Measure the trained assistant: held-out NLU accuracy, off-topic rejection, answers over REST.

Run through ``python -m tools eval`` (``make eval``); results go to ``results/`` as JSON and a table.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from bot.conversation.parse import full_label

REJECTED = {"out_of_scope", "nlu_fallback"}
# CLINC150 domains that overlap with a chat assistant's own small talk; every other domain is off-topic.
CLINC_IN_SCOPE_DOMAINS = {"small_talk", "meta"}


@dataclass(frozen=True)
class Example:
    """A text and its expected label ('greet' or 'faq/credits')."""

    text: str
    label: str


def label_of(parse: dict[str, Any]) -> str:
    """The full label of a parse result: the intent, or 'faq/<topic>' for the retrieval intent."""
    return full_label(parse) or "nlu_fallback"


def read_examples(path: Path) -> list[Example]:
    """Examples of a Rasa NLU YAML file, with retrieval intents as 'faq/<topic>'."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [Example(m.get("text"), m.get("intent_response_key") or m.get("intent"))
            for m in data.intent_examples]


def read_clinc(path: Path, split: str, *, limit: int | None = None, seed: int = 7) -> list[Example]:
    """Off-topic CLINC150 queries of ``split`` ('test' or 'val') plus the matching out-of-scope split."""
    data = json.loads(path.read_text())
    domains = json.loads((path.parent / "domains.json").read_text())
    excluded = {intent for domain in CLINC_IN_SCOPE_DOMAINS for intent in domains.get(domain, [])}
    rows = [Example(text, "out_of_scope") for text, intent in data[split] if intent not in excluded]
    rows += [Example(text, "out_of_scope") for text, _ in data[f"oos_{split}"]]
    if limit and limit < len(rows):
        rows = random.Random(seed).sample(rows, limit)  # noqa: S311 - a reproducible sample, not a secret
    return rows


def summarize(examples: Sequence[Example], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy on full labels and on intents, macro F1, and the most frequent confusions."""
    from sklearn.metrics import f1_score

    gold = [e.label for e in examples]
    intent = [g.split("/")[0] for g in gold]
    predicted_intent = [p.split("/")[0] for p in predicted]
    full_ok = sum(g == p for g, p in zip(gold, predicted))
    intent_ok = sum(g == p for g, p in zip(intent, predicted_intent))
    faq = [(g, p) for g, p in zip(gold, predicted) if g.startswith("faq/")]
    confusions = Counter((g, p) for g, p in zip(gold, predicted) if g != p)
    return {
        "examples": len(gold),
        "accuracy": full_ok / len(gold),
        "intent_accuracy": intent_ok / len(gold),
        "faq_topic_accuracy": sum(g == p for g, p in faq) / len(faq) if faq else None,
        "macro_f1": f1_score(gold, predicted, average="macro", zero_division=0),
        "confusions": [{"expected": g, "predicted": p, "count": n} for (g, p), n in confusions.most_common(20)],
        "errors": [{"text": e.text, "expected": e.label, "predicted": p}
                   for e, p in zip(examples, predicted) if e.label != p],
    }


def wrong_answers(examples: Sequence[Example], predicted: Sequence[str]) -> float:
    """Share of examples answered with another label than theirs (rejections are not answers)."""
    return sum(p != e.label and p.split("/")[0] not in REJECTED
               for e, p in zip(examples, predicted)) / len(examples)


def false_rejection(examples: Sequence[Example], predicted: Sequence[str]) -> float:
    """Share of in-scope examples (any label but out_of_scope) that were rejected as off-topic."""
    pairs = [(e, p) for e, p in zip(examples, predicted) if e.label != "out_of_scope"]
    return sum(p.split("/")[0] in REJECTED for _, p in pairs) / len(pairs)


# Intents whose actions answer with facts (beside the covered FAQ topics).
ANSWERING_INTENTS = {"ask_info_sessions", "ask_class_schedule", "ask_specializations"}


def answering_labels(store: Any) -> set[str]:
    """Labels that answer with facts: covered FAQ topics and ANSWERING_INTENTS."""
    covered = {f"faq/{t}" for t in store.topics() if any(v.covered for v in store.answer_variants(t))}
    return covered | ANSWERING_INTENTS


def uncovered(examples: Sequence[Example], predicted: Sequence[str], answering: set[str]) -> dict[str, Any]:
    """Questions the page does not answer: the share that would get a covered topic's answer.

    ``answering``: the labels that answer with facts (covered FAQ topics and the information-session,
    schedule and specialization intents). Anything else is honest: "I don't have that", a question back
    or the misunderstanding steps.
    """
    wrong = [(e.text, p) for e, p in zip(examples, predicted) if p in answering]
    return {"questions": len(examples), "wrong_topic_rate": len(wrong) / len(examples),
            "answered_as": dict(Counter(p for _, p in wrong).most_common(15)),
            "wrong": [{"text": t, "predicted": p} for t, p in wrong]}


def relayed(examples: Sequence[Example], predicted: Sequence[str], answering: set[str]) -> float:
    """Share answered right: the label, or for an ``uncovered`` question anything but a covered answer."""
    return sum((p not in answering) if e.label == "uncovered" else (p == e.label)
               for e, p in zip(examples, predicted)) / len(examples)


def rejection(examples: Sequence[Example], predicted: Sequence[str]) -> dict[str, Any]:
    """Share of off-topic queries ending in out_of_scope or nlu_fallback."""
    rejected = [p.split("/")[0] in REJECTED for p in predicted]
    accepted_as = Counter(p for p, r in zip(predicted, rejected) if not r)
    return {"queries": len(examples), "rejection_rate": sum(rejected) / len(examples),
            "accepted_as": dict(accepted_as.most_common(15)),
            "accepted_examples": [e.text for e, r in zip(examples, rejected) if not r][:30]}


class Parser:
    """Parses texts with a trained model in this process."""

    def __init__(self, model_path: Path) -> None:
        import logging

        from rasa.core.agent import Agent
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)  # per-message debug lines would drown the results
        self.agent = Agent.load(str(model_path))

    def labels(self, texts: Iterable[str]) -> list[str]:
        """The predicted full label of every text."""
        async def run() -> list[str]:
            return [label_of(await self.agent.parse_message(t)) for t in texts]

        return asyncio.run(run())


def table(rows: list[tuple[str, str]]) -> str:
    """A two-column text table."""
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def percent(value: float | None) -> str:
    """'97.4 %' or 'n/a'."""
    return "n/a" if value is None else f"{100 * value:.1f} %"


def write(results_dir: Path, name: str, payload: dict[str, Any]) -> Path:
    """Write one result file as JSON."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def read_conversations(path: Path) -> list[dict[str, Any]]:
    """The multi-turn checks of a conversations file."""
    import yaml

    return list(yaml.safe_load(path.read_text())["conversations"])


def check_conversations(servers: Any, conversations: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Play every conversation in a fresh session over REST; each turn's reply must hold its phrases."""
    failures = []
    run = uuid.uuid4().hex[:8]
    for n, conversation in enumerate(conversations):
        sender = f"conv-{run}-{n}"
        for turn in conversation["turns"]:
            reply = " ".join(m.get("text", "") for m in servers.say(sender, turn["say"]))
            missing = [p for p in turn.get("expect", []) if p.lower() not in reply.lower()]
            unwanted = [p for p in turn.get("reject", []) if p.lower() in reply.lower()]
            if missing or unwanted:
                failures.append({"name": conversation["name"], "say": turn["say"], "missing": missing,
                                 "unwanted": unwanted, "reply": reply})
                break
    return {"conversations": len(conversations), "passed": len(conversations) - len(failures),
            "failures": failures}


def read_answer_checks(path: Path) -> list[dict[str, Any]]:
    """The question/expected-phrases pairs of an answer-checks file."""
    import yaml

    return list(yaml.safe_load(path.read_text())["checks"])


def check_answers(servers: Any, checks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Ask every question in a fresh conversation over REST and check the expected phrases."""
    failures = []
    run = uuid.uuid4().hex[:8]  # the tracker store persists: earlier runs' conversations must not carry over
    for n, check in enumerate(checks):
        reply = " ".join(m.get("text", "") for m in servers.say(f"eval-{run}-{n}", check["ask"]))
        missing = [p for p in check["expect"] if p.lower() not in reply.lower()]
        if missing:
            failures.append({"ask": check["ask"], "missing": missing, "reply": reply})
    return {"checks": len(checks), "passed": len(checks) - len(failures), "failures": failures}
