"""The knowledge store: every fact the assistant gives comes from here."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from sqlalchemy import create_engine, event, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings, load_settings
from bot.knowledge import loader
from bot.knowledge import tables as models

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnswerView:
    """What the assistant can say about one FAQ topic."""

    topic: str
    title: str
    text: str
    covered: bool
    program: str
    source: str
    reviewed: dt.date


@dataclass(frozen=True)
class SessionView:
    """An information session as shown to a student."""

    id: int
    uid: str
    starts_at: dt.datetime
    format: str
    campus: str
    title: str
    registration_url: str


@dataclass(frozen=True)
class CourseView:
    """One course in a cohort schedule."""

    program: str
    semester: int
    term: str
    session: str
    course_code: str
    course_title: str
    credits: int


class KnowledgeStore:
    """Queries over the knowledge database; one SQLAlchemy session per call."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, future=True, expire_on_commit=False)

    # ------------------------------------------------------------ set-up and loading

    def session(self) -> Session:
        """A new ORM session (use it in a ``with`` block)."""
        return self._sessions()

    def create_schema(self) -> None:
        """Create missing tables."""
        models.Base.metadata.create_all(self.engine)

    def reset_schema(self) -> None:
        """Drop and recreate every knowledge table (the files in knowledge/ are the source of truth)."""
        models.Base.metadata.drop_all(self.engine)
        models.Base.metadata.create_all(self.engine)

    def schema_problems(self) -> list[str]:
        """Columns the code expects but the database lacks (a database made by an older version)."""
        inspector = inspect(self.engine)
        problems = []
        for table in models.Base.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {c["name"] for c in inspector.get_columns(table.name)}
            problems += [f"{table.name}.{c.name}" for c in table.columns if c.name not in present]
        return problems

    def is_empty(self) -> bool:
        """True when the tables are missing or hold no answers yet."""
        if not inspect(self.engine).has_table(models.Answer.__tablename__):
            return True
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(models.Answer)) == 0

    def load(self, paths: Iterable[Path]) -> list[str]:
        """Validate every file, then replace their tables in one transaction; return the kinds loaded."""
        parsed, problems = loader.validate(list(paths), set(self.program_codes()))
        if problems:
            raise loader.KnowledgeError(problems)
        # One transaction for all files: a second import waits for the first (SQLite's write lock,
        # PostgreSQL's row locks) and readers see either the old knowledge or the new, never a mix.
        with self._sessions.begin() as session:
            now = dt.datetime.now(dt.timezone.utc)
            for name in loader.LOAD_ORDER:
                if name in parsed:
                    loader.apply(session, parsed[name], now)
        return [parsed[name].kind for name in loader.LOAD_ORDER if name in parsed]

    def load_directory(self, directory: Path) -> list[str]:
        """Load every knowledge file found in ``directory``."""
        return self.load([directory / name for name in loader.LOAD_ORDER if (directory / name).exists()])

    def imported_at(self, kind: str) -> dt.datetime | None:
        """When ``kind`` ('info_sessions', 'course_schedule'...) was last loaded."""
        with self._sessions() as session:
            row = session.get(models.KnowledgeImport, kind)
            return _utc(row.imported_at) if row else None

    # ------------------------------------------------------------ programs and names

    def program_codes(self) -> list[str]:
        """Codes of all programs, e.g. ['MIM', 'MLS']."""
        if not inspect(self.engine).has_table(models.Program.__tablename__):
            return []
        with self._sessions() as session:
            return list(session.scalars(select(models.Program.code).order_by(models.Program.code)))

    def program_name(self, code: str) -> str:
        """Full name of a program, or the code when unknown."""
        with self._sessions() as session:
            program = session.get(models.Program, code)
            return program.name if program else code

    def specializations(self, program: str) -> list[models.Specialization]:
        """A program's specializations in the order staff listed them."""
        with self._sessions() as session:
            stmt = (select(models.Specialization).where(models.Specialization.program_code == program)
                    .order_by(models.Specialization.position))
            return list(session.scalars(stmt))

    def synonyms(self) -> list[models.Synonym]:
        """All phrases the entity ruler recognises."""
        with self._sessions() as session:
            return list(session.scalars(select(models.Synonym).order_by(models.Synonym.label, models.Synonym.term)))

    def resolve(self, label: str, text: str | None) -> str | None:
        """Canonical value of an entity's text ('m.l.s.' -> 'MLS'), or None when unknown."""
        if not text:
            return None
        phrase = " ".join(text.lower().split())
        candidates = (phrase, re.sub(r"[^\w\s-]", "", phrase).strip())
        with self._sessions() as session:
            for term in candidates:
                stmt = select(models.Synonym.value).where(models.Synonym.label == label,
                                                          models.Synonym.term == term)
                value = session.scalars(stmt).first()
                if value:
                    return value
        return None

    # ------------------------------------------------------------ answers and contacts

    def topics(self) -> list[str]:
        """Every FAQ topic with an entry in the store."""
        with self._sessions() as session:
            return list(session.scalars(select(models.Answer.topic).distinct().order_by(models.Answer.topic)))

    def answer_variants(self, topic: str) -> list[AnswerView]:
        """All variants of a topic's answer: the general one ('') and per-program ones."""
        with self._sessions() as session:
            rows = session.scalars(select(models.Answer).where(models.Answer.topic == topic)
                                   .order_by(models.Answer.program))
            return [AnswerView(r.topic, r.title, r.text, r.covered, r.program, r.source, r.reviewed) for r in rows]

    def contact(self, key: str = "student_services") -> models.Contact | None:
        """One contact by key."""
        with self._sessions() as session:
            return session.get(models.Contact, key)

    def contacts(self, group: str) -> list[models.Contact]:
        """The contacts of one group ("office" or "crisis"), in the file's order."""
        stmt = select(models.Contact).where(models.Contact.group == group).order_by(models.Contact.position)
        with self._sessions() as session:
            return list(session.scalars(stmt))

    # ------------------------------------------------------------ sessions and schedules

    def upcoming_sessions(self, now: dt.datetime, *, campus: str | None = None, format: str | None = None,
                          limit: int = 5) -> list[SessionView]:
        """Sessions starting after ``now``, soonest first, optionally by campus and format."""
        stmt = select(models.InfoSession).where(models.InfoSession.starts_at > _utc(now))
        if campus:
            stmt = stmt.where(func.lower(models.InfoSession.campus) == campus.lower())
        if format:
            stmt = stmt.where(models.InfoSession.format == format)
        stmt = stmt.order_by(models.InfoSession.starts_at).limit(limit)
        with self._sessions() as session:
            return [_session_view(s) for s in session.scalars(stmt)]

    def stale(self, now: dt.datetime, max_age_days: int) -> list[StaleFact]:
        """Facts not reviewed within ``max_age_days`` of ``now``, and sessions already past."""
        cutoff = now.date() - dt.timedelta(days=max_age_days)
        found: list[StaleFact] = []
        with self._sessions() as session:
            for model, kind, key in ((models.Program, "program", "code"), (models.Contact, "contact", "key"),
                                     (models.Answer, "answer", "topic")):
                for row in session.scalars(select(model).where(model.reviewed < cutoff).order_by(model.reviewed)):
                    name = getattr(row, key) + (f" ({row.program})" if kind == "answer" and row.program else "")
                    found.append(StaleFact(kind, name, f"last reviewed {row.reviewed.isoformat()}"))
            past = select(models.InfoSession).where(models.InfoSession.starts_at <= _utc(now))
            for s in session.scalars(past.order_by(models.InfoSession.starts_at)):
                found.append(StaleFact("info_session", s.title, f"took place {_utc(s.starts_at).isoformat()}"))
        return found

    def session_by_uid(self, uid: str) -> SessionView | None:
        """One information session by its stable id."""
        with self._sessions() as session:
            s = session.scalars(select(models.InfoSession).where(models.InfoSession.uid == uid)).first()
            return _session_view(s) if s else None

    def schedule(self, program: str, semesters: Sequence[int] = ()) -> list[CourseView]:
        """A program's courses, by semester, optionally only some semesters."""
        stmt = select(models.Course).where(models.Course.program == program)
        if semesters:
            stmt = stmt.where(models.Course.semester.in_(list(semesters)))
        stmt = stmt.order_by(models.Course.semester, models.Course.id)
        with self._sessions() as session:
            return [CourseView(c.program, c.semester, c.term, c.session, c.course_code, c.course_title, c.credits)
                    for c in session.scalars(stmt)]


@dataclass(frozen=True)
class StaleFact:
    """A fact that needs a look from staff."""

    kind: str
    key: str
    detail: str


def _session_view(s: models.InfoSession) -> SessionView:
    return SessionView(s.id, s.uid, _utc(s.starts_at), s.format, s.campus, s.title, s.registration_url)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


class SchemaError(RuntimeError):
    """The database's tables do not match this version of the code."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their folder created and a busy timeout."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_store(settings: Settings) -> KnowledgeStore:
    """Open the store at ``settings.database_url``, creating and loading it from the files if empty."""
    store = KnowledgeStore(make_engine(settings.database_url))
    store.create_schema()
    missing = store.schema_problems()
    if missing:
        raise SchemaError(f"The knowledge database {settings.database_url.split('@')[-1]} was made by an older "
                          f"version (missing {', '.join(missing)}). Save any imported data with "
                          "`python -m bot knowledge export DIR`, then run `python -m bot knowledge init --reset`.")
    if store.is_empty():
        loaded = store.load_directory(settings.knowledge_dir)
        logger.info("Loaded knowledge from %s: %s", settings.knowledge_dir, ", ".join(loaded))
    return store


@functools.lru_cache(maxsize=1)
def default_store() -> KnowledgeStore:
    """The process's store, opened on first use from the environment's settings."""
    return open_store(load_settings())
