"""Checks on what a user types into the handoff form: a name, a question, an email address or phone number.

Each check gives a :class:`Field`: the value to keep, or a problem code the domain words as the response
``utter_invalid_<problem>``. Addresses are checked by ``email-validator`` (syntax only, no DNS lookups) and
phone numbers by ``phonenumbers`` (Google's libphonenumber), with the US as the default region.
"""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

LIMITS = {"name": 100, "email": 254, "phone": 40, "question": 1000}
PROBLEMS = ("empty", "too_long", "not_email", "not_phone", "not_contact")
DEFAULT_REGION = "US"


@dataclass(frozen=True)
class Field:
    """A form value after checking: the value kept, or why it was refused (a code the domain words).

    ``problem`` is one of PROBLEMS; the assistant answers with the response ``utter_invalid_<problem>``.
    ``display`` is how to show the value to the user when it differs from the stored one (phone numbers).
    """

    value: str
    problem: str = ""
    cut: bool = False
    display: str = ""

    @property
    def shown(self) -> str:
        """The value as the user should see it."""
        return self.display or self.value


def check_email(text: str) -> Field:
    """A usable email address (normalised: the domain in lower case), or the reason it is not one."""
    value = text.strip()
    if len(value) > LIMITS["email"]:
        return Field("", "too_long")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return Field("", "not_email")
    return Field(checked.normalized)


def check_phone(text: str, region: str = DEFAULT_REGION) -> Field:
    """A valid phone number with its area code, kept in E.164 (``+13015550123``), or why not.

    An extension is kept after the number as ``;ext=12``. The text must be the number and nothing else
    (staff see anything said around it in the transcript); ``display`` is the international format.
    """
    value = " ".join(text.split())
    if len(value) > LIMITS["phone"]:
        return Field("", "too_long")
    number = _whole_number(value, region)
    if number is None:
        return Field("", "not_phone")
    stored = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        stored += f";ext={number.extension}"
    return Field(stored, display=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def readable_phone(stored: str) -> str:
    """A stored number (E.164) in the international format, e.g. '+1 301-555-0123'; other text as it is."""
    try:
        number = phonenumbers.parse(stored, None)
    except phonenumbers.NumberParseException:
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def check_contact(text: str) -> tuple[str, Field]:
    """How staff can reply: ('email', field) or ('phone', field), judged by what the text looks like."""
    value = text.strip()
    if "@" in value:
        return "email", check_email(value)
    if any(ch.isdigit() for ch in value):
        return "phone", check_phone(value)
    return "", Field("", "empty" if not value else "not_contact")


def check_text(kind: str, text: str) -> Field:
    """A name or question, cut to its limit (the caller tells the user when it was cut)."""
    value = " ".join(text.split())
    if not value:
        return Field("", "empty")
    limit = LIMITS[kind]
    return Field(value[:limit], cut=len(value) > limit)


def _whole_number(value: str, region: str) -> phonenumbers.PhoneNumber | None:
    # Much of the world dials abroad with 00; the US default region expects 011, so read 00 as +.
    candidates = [value, "+" + value[2:]] if value.startswith("00") else [value]
    for candidate in candidates:
        for match in phonenumbers.PhoneNumberMatcher(candidate, region, leniency=phonenumbers.Leniency.VALID):
            if match.start == 0 and match.end == len(candidate):
                return match.number
    return None
