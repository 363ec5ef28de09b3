"""User text made safe to store and to print: no control or format characters.

An ANSI escape sequence in a ticket's question used to reach staff terminals raw through ``handoffs
list``; bidirectional overrides and zero-width characters can make text read differently from what it is.
Line breaks and tabs become spaces (one message is one line); every other control (Unicode category Cc)
or format (Cf) character is dropped.
"""

from __future__ import annotations

import unicodedata

SPACES = {"\n": " ", "\r": " ", "\t": " "}


def printable(text: str) -> str:
    """``text`` without control and format characters (line breaks and tabs as spaces)."""
    return "".join(SPACES.get(c, c) for c in text
                   if c in SPACES or unicodedata.category(c) not in ("Cc", "Cf"))


def printable_lines(text: str) -> str:
    """The same, keeping line breaks (for a transcript or a name shown over several lines)."""
    return "\n".join(printable(line) for line in text.splitlines())
