"""What became of the questions a conversation handed to staff, told to that conversation and no other."""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.handoffs.tickets import HandoffStore, Ticket

REFERENCE = re.compile(r"\bH-[0-9A-F]{6}\b", re.IGNORECASE)
SHOWN = 3  # tickets told about when the student names none, newest first


class Status(NamedTuple):
    """One reply: the domain response to utter and the values it needs besides the office's."""

    response: str
    values: dict[str, str]


def reference_in(text: str) -> str | None:
    """The ticket reference typed in ``text`` (``h-1a2b3c`` too), upper-cased, or None."""
    found = REFERENCE.search(text or "")
    return found.group(0).upper() if found else None


def of_ticket(ticket: Ticket) -> Status:
    """A ticket's state as the student hears it: open, answered (with the answer) or closed."""
    values = {"reference": ticket.reference, "answer": ticket.answer}
    if ticket.status == "open":
        return Status("utter_ticket_status_open", values)
    if ticket.answer:
        return Status("utter_ticket_status_answered", values)
    return Status("utter_ticket_status_closed", values)


def statuses(handoffs: HandoffStore, sender_id: str, text: str) -> list[Status]:
    """The state of the ticket named in ``text``, else of the conversation's latest tickets.

    Only tickets this conversation (``sender_id``) created are looked at: a reference of another
    conversation's ticket gets the same answer as one that does not exist.
    """
    tickets, reference = handoffs.of_conversation(sender_id), reference_in(text)
    if reference:
        named = next((t for t in tickets if t.reference == reference), None)
        return [of_ticket(named) if named else Status("utter_ticket_status_not_here", {"reference": reference})]
    if not tickets:
        return [Status("utter_ticket_status_none", {})]
    return [of_ticket(t) for t in tickets[:SHOWN]]
