"""What a fact looks like: the records a staff file is parsed into, the store keeps and hands back.

The same frozen dataclasses travel both ways (file -> records -> store, store -> records -> file), so a
view from the store cannot be changed by accident and holds on to no database connection.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, TypeVar, Union


@dataclass(frozen=True)
class Program:
    """An online degree program (MLS, MIM)."""

    code: str
    name: str
    source: str
    reviewed: dt.date


@dataclass(frozen=True)
class Specialization:
    """A specialization an online student can complete within a program."""

    program_code: str
    key: str
    name: str
    online_since: str = ""
    summary: str = ""


@dataclass(frozen=True)
class Synonym:
    """A phrase people use for a named thing: ``term`` means ``value`` of kind ``label``."""

    label: str
    value: str
    term: str


@dataclass(frozen=True)
class Answer:
    """What the assistant can say about one FAQ topic, for everyone (program '') or for one program."""

    topic: str
    program: str
    title: str
    text: str
    covered: bool
    source: str
    reviewed: dt.date


@dataclass(frozen=True)
class Contact:
    """An office people can reach, or ("crisis" group) an emergency resource."""

    key: str
    name: str
    group: str
    purpose: str
    phone: str
    fax: str
    email: str
    # How soon the office answers questions handed to it, in the office's words ("within two business days").
    reply_time: str
    source: str
    reviewed: dt.date


@dataclass(frozen=True)
class InfoSession:
    """An information session for prospective students; ``starts_at`` is in UTC."""

    # Stable across re-imports (derived from time, format and campus): calendar links keep working.
    uid: str
    starts_at: dt.datetime
    format: str
    campus: str
    title: str
    registration_url: str


@dataclass(frozen=True)
class Course:
    """One course in a program's cohort schedule."""

    program: str
    semester: int
    term: str
    # For summer courses: the first, second or both summer sessions; empty otherwise.
    summer_session: str
    course_code: str
    course_title: str
    credits: int


@dataclass(frozen=True)
class StaleFact:
    """A fact that needs a look from staff."""

    kind: str
    key: str
    detail: str


Record = Union[Program, Specialization, Synonym, Answer, Contact, InfoSession, Course]
R = TypeVar("R", Program, Specialization, Synonym, Answer, Contact, InfoSession, Course)


@dataclass(frozen=True)
class Records:
    """Everything one staff file holds, ready for the store to put in place of what it held before.

    ``types`` are the kinds of record the file replaces, even when it lists none of them; synonyms are
    replaced only for ``labels``, since two files share them.
    """

    kind: str
    types: tuple[type, ...]
    items: tuple[Record, ...]
    labels: tuple[str, ...] = ()
    sha256: str = ""

    def of(self, kind: type[R]) -> list[R]:
        """The items of one kind, in file order."""
        return of_kind(self.items, kind)


def of_kind(records: Iterable[Record], kind: type[R]) -> list[R]:
    """The records of one kind, in their order."""
    return [r for r in records if isinstance(r, kind)]
