"""The staff report: what students ask and where the assistant falls short, read from the tracker store.

``python -m bot report [--since 7d] --out DIR`` writes DIR/report.html with PNG plots beside it.
The tracker store's ``events`` table (Rasa's SQL tracker store) is read directly, read-only.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, inspect, text

from bot.conversation.misunderstanding import ACTION as MISUNDERSTANDING_ACTION
from bot.conversation.misunderstanding import SLOT as MISUNDERSTANDING_SLOT
from bot.conversation.parse import faq_topic, full_label

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+?\d[\s().-]*){7,}\d")
OFFICE_HOURS = (9, 17)  # weekdays, campus time


# "my name is Ada Lovelace", "I'm Ada": the introduction in any case, the name as capitalised words.
INTRODUCTION = re.compile(r"\b((?i:my name is|my name's|i am|i'm|this is|call me|name:))"
                          r"\s+[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")


def redact(text: str, names: Iterable[str] = ()) -> str:
    """Hide email addresses, phone numbers and names in quoted user text.

    ``names`` are the names users gave in tickets; each of their words is hidden wherever it appears, and any
    name introduced with "my name is" or "I'm" is hidden too.
    """
    text = INTRODUCTION.sub(lambda m: f"{m.group(1)} [name]", PHONE.sub("[phone]", EMAIL.sub("[email]", text)))
    words = sorted({w for name in names for w in re.findall(r"[^\W\d_][\w'-]+", name)}, key=len, reverse=True)
    if words:
        text = re.sub(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", "[name]", text, flags=re.IGNORECASE)
    return text


@dataclass
class Summary:
    """Figures for the report."""

    since: dt.datetime
    conversations_per_day: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)
    user_messages: int = 0
    fallbacks: int = 0
    after_hours: int = 0
    channels: Counter = field(default_factory=Counter)
    unanswered: list[str] = field(default_factory=list)

    @property
    def conversations(self) -> int:
        return sum(self.conversations_per_day.values())


def read_events(url: str, since: dt.datetime) -> list[dict[str, Any]]:
    """User-message, action and slot events since ``since`` from a Rasa SQL tracker store."""
    engine = create_engine(url, future=True)
    try:
        if not inspect(engine).has_table("events"):
            return []
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT sender_id, timestamp, data FROM events "
                                     "WHERE type_name IN ('user', 'action', 'slot') AND timestamp >= :since "
                                     "ORDER BY id"), {"since": since.timestamp()})
            return [{"sender_id": r[0], "timestamp": r[1], **json.loads(r[2] or "{}")} for r in rows]
    finally:
        engine.dispose()


def turns(events: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], bool, bool]]:
    """Each user message with whether it went into the handoff form and whether it was not understood.

    Not understood: the misunderstanding action answered it and recorded a step (a follow-up it
    resolved from context records none). A name typed into the form is neither a topic nor a miss.
    """
    found, current = [], {}  # current: sender -> [user event, first action, misunderstood]
    for event in events:
        sender, kind = event.get("sender_id"), event.get("event")
        if kind == "user":
            if sender in current:
                found.append(current[sender])
            current[sender] = [event, "", False]
        elif sender in current and kind == "action" and not current[sender][1]:
            current[sender][1] = event.get("name") or ""
        elif sender in current and kind == "slot" and event.get("name") == MISUNDERSTANDING_SLOT:
            current[sender][2] = current[sender][1] == MISUNDERSTANDING_ACTION and event.get("value") is not None
    found += current.values()
    return [(user, action == "handoff_form", missed) for user, action, missed in found]


def summarize(events: Iterable[dict[str, Any]], since: dt.datetime, zone: str = "America/New_York") -> Summary:
    """Count conversations, topics, fallbacks, channels and after-hours messages."""
    tz = ZoneInfo(zone)
    summary = Summary(since)
    seen: set[tuple[str, dt.date]] = set()
    for event, form_input, missed in sorted(turns(events), key=lambda t: t[0]["timestamp"]):
        when = dt.datetime.fromtimestamp(event["timestamp"], tz)
        parse = event.get("parse_data") or {}
        summary.user_messages += 1
        if (event["sender_id"], when.date()) not in seen:
            seen.add((event["sender_id"], when.date()))
            summary.conversations_per_day[when.date()] += 1
        label = "(handoff form)" if form_input else faq_topic(parse) or full_label(parse)
        if label:
            summary.topics[label] += 1
        if missed:
            summary.fallbacks += 1
            summary.unanswered.append(event.get("text") or "")
        if when.weekday() >= 5 or not OFFICE_HOURS[0] <= when.hour < OFFICE_HOURS[1]:
            summary.after_hours += 1
        summary.channels[event.get("input_channel") or "unknown"] += 1
    return summary


def group_similar(texts: list[str], threshold: float = 0.35) -> list[tuple[str, int]]:
    """Unanswered questions grouped by word overlap: (an example, how many) for each group, largest first."""
    def words(t: str) -> set[str]:
        return {w for w in re.findall(r"[a-z0-9']+", t.lower()) if len(w) > 2}

    groups: list[tuple[set[str], list[str]]] = []
    for t in texts:
        tokens = words(t)
        for group_words, members in groups:
            union = tokens | group_words
            if union and len(tokens & group_words) / len(union) >= threshold:
                members.append(t)
                group_words |= tokens
                break
        else:
            groups.append((tokens, [t]))
    return sorted(((members[0], len(members)) for _, members in groups), key=lambda g: -g[1])


def _bar(path: Path, title: str, labels: list[str], values: list[int]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(range(len(values)), values, color="#a50000")
    # Labels come from clients (a channel name is whatever a REST caller sends): shown as plain text, never
    # parsed as matplotlib's mathtext ("$\\frac{$" crashed the report), and cut to a readable length.
    plain = [label[:40].replace("$", r"\$") for label in labels]
    ax.set_xticks(range(len(plain)), plain, rotation=40, ha="right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path.name


def write(summary: Summary, tickets: list[Any], out: Path) -> Path:
    """report.html and its plots in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    page = out / "report.html"
    names = [t.name for t in tickets if t.name]
    parts = [f"<h1>Online programs assistant: staff report</h1><p>Since {summary.since:%Y-%m-%d %H:%M %Z}.</p>"]
    if not summary.user_messages:
        parts.append("<p>No conversations in this period: the tracker store has no user messages since then.</p>")
    else:
        days = sorted(summary.conversations_per_day)
        plots = [
            _bar(out / "conversations_per_day.png", "Conversations per day", [d.isoformat() for d in days],
                 [summary.conversations_per_day[d] for d in days]),
            _bar(out / "top_topics.png", "Top topics", *map(list, zip(*summary.topics.most_common(15)))),
            _bar(out / "channels.png", "Messages by channel", *map(list, zip(*summary.channels.most_common()))),
        ]
        rate = summary.fallbacks / summary.user_messages
        channels = ", ".join(f"{k} {v}" for k, v in summary.channels.most_common())
        parts.append(
            f"<ul><li>Conversations: {summary.conversations}</li><li>User messages: {summary.user_messages}</li>"
            f"<li>Fallback rate (off-topic or not understood): {rate:.1%}</li>"
            f"<li>After-hours share (outside 9:00-17:00 weekdays, campus time): "
            f"{summary.after_hours / summary.user_messages:.1%}</li>"
            f"<li>By channel: {html.escape(channels)}</li></ul>")
        parts += [f'<img src="{name}" alt="{html.escape(name[:-4].replace("_", " "))}">' for name in plots]
        parts.append("<h2>Unanswered questions, grouped</h2><table><tr><th>Example</th><th>Count</th></tr>")
        parts += [f"<tr><td>{html.escape(redact(example, names))}</td><td>{count}</td></tr>"
                  for example, count in group_similar(summary.unanswered)[:30]]
        parts.append("</table>")
    status = Counter(t.status for t in tickets)
    parts.append(f"<h2>Handoffs</h2><p>Handed to staff in this period: {len(tickets)}. Open: {status.get('open', 0)}, "
                 f"answered: {status.get('answered', 0)}, closed: {status.get('closed', 0)}, "
                 f"urgent: {sum(1 for t in tickets if t.urgent)}, "
                 f"staff not told on Slack: {sum(1 for t in tickets if not t.notified)}.</p>")
    parts.append(queue_html(tickets, dt.datetime.now(dt.timezone.utc)))
    if tickets:
        parts.append("<table><tr><th>Reference</th><th>Created</th><th>Status</th><th>Channel</th>"
                     "<th>Question</th></tr>")
        parts += [f"<tr><td>{t.reference}{' (urgent)' if t.urgent else ''}</td><td>{t.created_at:%Y-%m-%d %H:%M}</td>"
                  f"<td>{t.status}</td><td>{html.escape(t.channel)}</td>"
                  f"<td>{html.escape(redact(t.question[:200], names))}</td></tr>"
                  for t in tickets]
        parts.append("</table>")
    head = ("<!doctype html><html lang='en'><meta charset='utf-8'><title>Assistant report</title>"
            "<body style='font-family:system-ui;max-width:60rem;margin:auto'>")
    page.write_text(head + "".join(parts) + "</body></html>")
    return page


QUEUE_AGES = ((dt.timedelta(days=1), "under a day"), (dt.timedelta(days=2), "1-2 days"),
              (dt.timedelta(days=7), "2-7 days"), (dt.timedelta.max, "over a week"))


def queue_html(tickets: list[Any], now: dt.datetime) -> str:
    """Time to first reply of the answered tickets, and the open ones by how long they have waited."""
    from bot.handoffs.tickets import as_utc

    waits = sorted((as_utc(t.answered_at) - as_utc(t.created_at)).total_seconds() / 3600
                   for t in tickets if t.answered_at)
    if waits:
        first = (f"Time to first reply (answered in the assistant): median {waits[len(waits) // 2]:.1f} h, "
                 f"slowest {waits[-1]:.1f} h, over {len(waits)} tickets.")
    else:
        first = "No ticket of this period was answered in the assistant yet."
    ages = Counter(next(label for limit, label in QUEUE_AGES if now - as_utc(t.created_at) < limit)
                   for t in tickets if t.status == "open")
    queue = ", ".join(f"{label}: {ages[label]}" for _, label in QUEUE_AGES)
    return f"<p>{first}</p><p>Open queue by age: {queue}.</p>"


def parse_since(value: str, now: dt.datetime) -> dt.datetime:
    """'7d', '24h' or an ISO date, as the start of the period."""
    match = re.fullmatch(r"(\d+)([dh])", value.strip())
    if match:
        amount = int(match.group(1))
        return now - (dt.timedelta(days=amount) if match.group(2) == "d" else dt.timedelta(hours=amount))
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
