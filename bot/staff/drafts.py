"""Staff answers to handed-off questions, grouped by similar question: candidates for knowledge/answers.yml."""

from __future__ import annotations

import re

SIMILAR = 0.3  # share of words two questions have in common to be grouped


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9']+", text.lower()) if len(w) > 2}


def grouped(drafts: list[dict[str, str]]) -> list[dict[str, object]]:
    """Drafts (question, answer, reference, closed) in groups of questions sharing words, largest first."""
    groups: list[tuple[set[str], list[dict[str, str]]]] = []
    for draft in drafts:
        tokens = _words(draft["question"])
        for words, members in groups:
            union = tokens | words
            if union and len(tokens & words) / len(union) >= SIMILAR:
                members.append(draft)
                words |= tokens
                break
        else:
            groups.append((tokens, [draft]))
    ordered = sorted((members for _, members in groups), key=len, reverse=True)
    return [{"asked": len(members), "answers": members} for members in ordered]
