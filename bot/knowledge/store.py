"""The knowledge store: every fact the assistant gives comes from here, and nothing else writes its tables.

Queries hand back frozen records (``bot.knowledge.records``); ``replace`` puts the records of staff
files in place of the old ones in one transaction.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections import Counter
from dataclasses import fields
from typing import TYPE_CHECKING, Any, ContextManager, Sequence

from sqlalchemy import delete, func, insert, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings, load_settings
from bot.database import Migrations, make_engine
from bot.knowledge import files, tables
from bot.knowledge.records import Answer, Contact, Course, InfoSession, Program, Specialization, StaleFact, Synonym

if TYPE_CHECKING:
    from bot.knowledge.records import R, Record, Records

logger = logging.getLogger(__name__)

# The table each kind of record is kept in, and the order staff listed them in (programs: by code).
_TABLES: dict[type, Any] = {
    Program: tables.ProgramRow, Specialization: tables.SpecializationRow, Synonym: tables.SynonymRow,
    Answer: tables.AnswerRow, Contact: tables.ContactRow, InfoSession: tables.InfoSessionRow, Course: tables.CourseRow,
}
_LISTED_ORDER: dict[type, tuple[Any, ...]] = {
    Program: (tables.ProgramRow.code,),
    Specialization: (tables.SpecializationRow.program_code, tables.SpecializationRow.position),
    Synonym: (tables.SynonymRow.id,),
    Answer: (tables.AnswerRow.id,),
    Contact: (tables.ContactRow.position, tables.ContactRow.key),
    InfoSession: (tables.InfoSessionRow.starts_at,),
    Course: (tables.CourseRow.program, tables.CourseRow.semester, tables.CourseRow.id),
}


class KnowledgeStore:
    """Queries over the knowledge database and the one way to change it; one unit of work per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._units_of_work = sessionmaker(engine, future=True, expire_on_commit=False)

    def _reading(self) -> Session:
        return self._units_of_work()

    def _transaction(self) -> ContextManager[Session]:
        # Commits when the block ends, rolls everything back when it raises.
        return self._units_of_work.begin()

    # ------------------------------------------------------------ schema

    def create_schema(self) -> None:
        """Bring the tables to this code's schema: create them, or upgrade older ones in place, rows kept."""
        SCHEMA.upgrade(self.engine)

    def reset_schema(self) -> None:
        """Drop and recreate every knowledge table (the files in knowledge/ are the source of truth)."""
        SCHEMA.reset(self.engine)

    def is_empty(self) -> bool:
        """True when the tables are missing or hold no answers yet."""
        if not inspect(self.engine).has_table(tables.AnswerRow.__tablename__):
            return True
        with self._reading() as db:
            return db.scalar(select(func.count()).select_from(tables.AnswerRow)) == 0

    # ------------------------------------------------------------ writing and reading whole files

    def replace(self, parsed: Sequence[Records]) -> None:
        """Put each file's records in place of what it held before, all in one transaction.

        A failure part-way changes nothing. A second import waits for the first (SQLite's write lock,
        PostgreSQL's row locks) and readers see either the old knowledge or the new, never a mix.
        """
        with self._transaction() as db:
            now = dt.datetime.now(dt.timezone.utc)
            for records in parsed:
                db.merge(tables.KnowledgeImportRow(kind=records.kind, imported_at=now, sha256=records.sha256))
                for kind in records.types:
                    stmt = delete(_TABLES[kind])
                    if kind is Synonym:
                        # Two files share the synonyms table; each replaces only its own labels.
                        stmt = stmt.where(tables.SynonymRow.label.in_(records.labels))
                    db.execute(stmt)
                    rows = _rows(records.of(kind))
                    if rows:
                        db.execute(insert(_TABLES[kind]), rows)

    def records(self, kind: type[R]) -> list[R]:
        """Every stored record of one kind, in the order staff listed them (programs by code)."""
        return self._select(kind, select(_TABLES[kind]).order_by(*_LISTED_ORDER[kind]))

    def imported_at(self, kind: str) -> dt.datetime | None:
        """When ``kind`` ('info_sessions', 'course_schedule'...) was last loaded."""
        with self._reading() as db:
            row = db.get(tables.KnowledgeImportRow, kind)
            return _utc(row.imported_at) if row else None

    # ------------------------------------------------------------ programs and names

    def program_codes(self) -> list[str]:
        """Codes of all programs, e.g. ['MIM', 'MLS']."""
        if not inspect(self.engine).has_table(tables.ProgramRow.__tablename__):
            return []
        with self._reading() as db:
            return list(db.scalars(select(tables.ProgramRow.code).order_by(tables.ProgramRow.code)))

    def program_name(self, code: str) -> str:
        """Full name of a program, or the code when unknown."""
        with self._reading() as db:
            program = db.get(tables.ProgramRow, code)
            return program.name if program else code

    def specializations(self, program: str) -> list[Specialization]:
        """A program's specializations in the order staff listed them."""
        row = tables.SpecializationRow
        return self._select(Specialization, select(row).where(row.program_code == program).order_by(row.position))

    def synonyms(self) -> list[Synonym]:
        """All phrases the entity ruler recognises."""
        row = tables.SynonymRow
        return self._select(Synonym, select(row).order_by(row.label, row.term))

    def resolve(self, label: str, text: str | None) -> str | None:
        """Canonical value of an entity's text ('m.l.s.' -> 'MLS'), or None when unknown."""
        if not text:
            return None
        phrase = " ".join(text.lower().split())
        candidates = (phrase, re.sub(r"[^\w\s-]", "", phrase).strip())
        with self._reading() as db:
            for term in candidates:
                stmt = select(tables.SynonymRow.value).where(tables.SynonymRow.label == label,
                                                             tables.SynonymRow.term == term)
                value = db.scalars(stmt).first()
                if value:
                    return value
        return None

    # ------------------------------------------------------------ answers and contacts

    def topics(self) -> list[str]:
        """Every FAQ topic with an entry in the store."""
        with self._reading() as db:
            return list(db.scalars(select(tables.AnswerRow.topic).distinct().order_by(tables.AnswerRow.topic)))

    def answer_variants(self, topic: str) -> list[Answer]:
        """All variants of a topic's answer: the general one ('') and per-program ones."""
        row = tables.AnswerRow
        return self._select(Answer, select(row).where(row.topic == topic).order_by(row.program))

    def contact(self, key: str = "student_services") -> Contact | None:
        """One contact by key."""
        with self._reading() as db:
            row = db.get(tables.ContactRow, key)
            return _record(Contact, row) if row else None

    def contacts(self, group: str) -> list[Contact]:
        """The contacts of one group ("office" or "crisis"), in the file's order."""
        row = tables.ContactRow
        return self._select(Contact, select(row).where(row.group == group).order_by(row.position))

    # ------------------------------------------------------------ information sessions and schedules

    def upcoming_info_sessions(self, now: dt.datetime, *, campus: str | None = None, format: str | None = None,
                               limit: int = 5) -> list[InfoSession]:
        """Information sessions starting after ``now``, soonest first, optionally by campus and format."""
        row = tables.InfoSessionRow
        stmt = select(row).where(row.starts_at > _utc(now))
        if campus:
            stmt = stmt.where(func.lower(row.campus) == campus.lower())
        if format:
            stmt = stmt.where(row.format == format)
        return self._select(InfoSession, stmt.order_by(row.starts_at).limit(limit))

    # Kept for callers outside the knowledge package until they use upcoming_info_sessions.
    upcoming_sessions = upcoming_info_sessions

    def info_session(self, uid: str) -> InfoSession | None:
        """One information session by its stable id."""
        found = self._select(InfoSession, select(tables.InfoSessionRow).where(tables.InfoSessionRow.uid == uid))
        return found[0] if found else None

    def schedule(self, program: str, semesters: Sequence[int] = ()) -> list[Course]:
        """A program's courses, by semester, optionally only some semesters."""
        row = tables.CourseRow
        stmt = select(row).where(row.program == program)
        if semesters:
            stmt = stmt.where(row.semester.in_(list(semesters)))
        return self._select(Course, stmt.order_by(row.semester, row.id))

    def stale(self, now: dt.datetime, max_age_days: int) -> list[StaleFact]:
        """Facts not reviewed within ``max_age_days`` of ``now``, and information sessions already past."""
        cutoff = now.date() - dt.timedelta(days=max_age_days)
        found: list[StaleFact] = []
        with self._reading() as db:
            for table, kind, key in ((tables.ProgramRow, "program", "code"), (tables.ContactRow, "contact", "key"),
                                     (tables.AnswerRow, "answer", "topic")):
                for row in db.scalars(select(table).where(table.reviewed < cutoff).order_by(table.reviewed)):
                    name = getattr(row, key) + (f" ({row.program})" if kind == "answer" and row.program else "")
                    found.append(StaleFact(kind, name, f"last reviewed {row.reviewed.isoformat()}"))
            past = select(tables.InfoSessionRow).where(tables.InfoSessionRow.starts_at <= _utc(now))
            for s in db.scalars(past.order_by(tables.InfoSessionRow.starts_at)):
                found.append(StaleFact("info_session", s.title, f"took place {_utc(s.starts_at).isoformat()}"))
        return found

    def _select(self, kind: type[R], stmt: Any) -> list[R]:
        with self._reading() as db:
            return [_record(kind, row) for row in db.scalars(stmt)]


def _rows(records: Sequence[Record]) -> list[dict[str, Any]]:
    """Table rows for records of one kind; contacts and specializations keep the position staff gave them."""
    rows = []
    positions: Counter[str] = Counter()
    for record in records:
        row = {f.name: getattr(record, f.name) for f in fields(record)}
        if isinstance(record, Contact | Specialization):
            group = getattr(record, "program_code", "")  # specializations are numbered within their program
            row["position"] = positions[group]
            positions[group] += 1
        rows.append(row)
    return rows


def _record(kind: type[R], row: Any) -> R:
    values = {f.name: getattr(row, f.name) for f in fields(kind)}
    if kind is InfoSession:
        values["starts_at"] = _utc(values["starts_at"])
    return kind(**values)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


# The knowledge database's migrations, in bot/knowledge/migrations/versions/.
SCHEMA = Migrations(
    name="knowledge", metadata=tables.Base.metadata,
    remedy="Save any imported data with `python -m bot knowledge export DIR`, then rebuild the database from "
           "knowledge/ with `python -m bot knowledge init --reset`.")


def open_store(settings: Settings) -> KnowledgeStore:
    """Open the store at ``settings.database_url``, upgraded to this code's schema, loaded from the files if empty."""
    store = KnowledgeStore(make_engine(settings.database_url))
    store.create_schema()
    if store.is_empty():
        loaded = files.import_directory(store, settings.knowledge_dir)
        logger.info("Loaded knowledge from %s: %s", settings.knowledge_dir, ", ".join(loaded))
    return store


@functools.lru_cache(maxsize=1)
def default_store() -> KnowledgeStore:
    """The process's store, opened on first use from the environment's settings."""
    return open_store(load_settings())
