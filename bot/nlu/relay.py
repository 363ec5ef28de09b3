"""Where a relayed question starts: staff forward students' questions with a framing of their own.

"fwd from an applicant in Texas: can the field study happen near me?" asks about field study sites; the
framing ("fwd from an applicant in Texas") says who asked, not what. Left in, it pulls the sentence vector
towards every other forwarded message of the training data, whatever they asked. ``question_start``
finds where the question begins, so the encoder can read the question alone; the n-gram counts and the
entity extractors still see the whole message.
"""

from __future__ import annotations

import re

# Words that mark a framing as a relay: who passed the question on, or through which channel.
_CUE = (r"(?:fwd|fw|forward(?:ed|ing)?|relay(?:ed|ing)?|passing\s+(?:this\s+|it\s+)?along|on\s+behalf\s+of|"
        r"ticket|voicemail|inbox|slack|dm|caller|walk-?in|texted|"
        r"(?:question|message|msg|note|e-?mail|call|text)\s+from|"
        r"from\s+(?:a|an|the|our|one\s+of\s+our)\s+(?:[\w-]+\s+){0,2}?"
        r"(?:applicant|student|prospect|parent|caller|visitor|admit))")
# A framing of a few words ending in a colon, a dash or (after "on behalf of ...") a comma:
# "fwd from an applicant:", "Ticket 4471 -", "On behalf of an admitted student,".
_FRAMED = re.compile(rf"\s*(?=[^:?\n]{{0,120}}?\b{_CUE}\b)[^:?\n]{{2,120}}?(?::|\s[-\u2013\u2014]+\s)\s*"
                     r"|\s*on\s+behalf\s+of\s+[^,:?\n]{2,60},\s*", re.IGNORECASE)
# A framing that runs into the question: "A caller wants to know whether ...", "Student emailed asking if ...".
_RUNNING = re.compile(
    r"\s*(?:(?:a|an|the|one\s+of\s+our|our)\s+)?(?:[\w-]+\s+){0,4}?"
    r"(?:student|applicant|caller|prospect|parent|walk-?in|visitor|admit)s?\b[^?.:]{0,60}?\b"
    r"(?:asks|asked|is\s+asking|was\s+asking|wants\s+to\s+know|wanted\s+to\s+know|would\s+like\s+to\s+know|"
    r"is\s+wondering|wonders|emailed\s+asking|called\s+asking|writes|wrote)\s*[:,]?\s*(?:(?:whether|if)\s+)?",
    re.IGNORECASE)
MIN_QUESTION_CHARS = 8


def question_start(text: str) -> int:
    """The index where the relayed question begins in ``text`` (0 when there is no relay framing).

    Framings nest ("fwd: applicant wants to know whether ..."): each is taken off in turn.
    """
    start = 0
    for pattern in (_FRAMED, _RUNNING):
        match = pattern.match(text, start)
        if match and len(text) - match.end() >= MIN_QUESTION_CHARS:
            start = match.end()
    return start
