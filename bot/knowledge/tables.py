"""SQLAlchemy tables for what the assistant knows; only the store reads and writes them.

Each row class mirrors a record in ``records``: the same attribute names, plus the keys and positions
the database needs.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class ProgramRow(Base):
    """An online degree program (MLS, MIM)."""

    __tablename__ = "programs"
    code = Column(String(16), primary_key=True)
    name = Column(String(200), nullable=False)
    source = Column(String(300), nullable=False)
    reviewed = Column(Date, nullable=False)


class SpecializationRow(Base):
    """A specialization an online student can complete within a program."""

    __tablename__ = "specializations"
    __table_args__ = (UniqueConstraint("program_code", "key"),)
    id = Column(Integer, primary_key=True)
    program_code = Column(String(16), ForeignKey("programs.code", ondelete="CASCADE"), nullable=False)
    key = Column(String(64), nullable=False)
    name = Column(String(200), nullable=False)
    online_since = Column(String(64), nullable=False, default="")
    summary = Column(Text, nullable=False, default="")
    position = Column(Integer, nullable=False, default=0)


class SynonymRow(Base):
    """A phrase people use for a named thing: ``term`` means ``value`` of kind ``label``."""

    __tablename__ = "synonyms"
    __table_args__ = (UniqueConstraint("label", "term"),)
    id = Column(Integer, primary_key=True)
    label = Column(String(32), nullable=False)
    value = Column(String(200), nullable=False)
    term = Column(String(200), nullable=False)


class AnswerRow(Base):
    """The answer to one FAQ topic, for everyone (program '') or for one program."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("topic", "program"),)
    id = Column(Integer, primary_key=True)
    topic = Column(String(64), nullable=False, index=True)
    program = Column(String(16), nullable=False, default="")
    title = Column(String(200), nullable=False)
    text = Column(Text, nullable=False, default="")
    covered = Column(Boolean, nullable=False, default=True)
    source = Column(String(300), nullable=False)
    reviewed = Column(Date, nullable=False)


class ContactRow(Base):
    """An office people can reach."""

    __tablename__ = "contacts"
    key = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    purpose = Column(String(300), nullable=False, default="")
    phone = Column(String(64), nullable=False, default="")
    fax = Column(String(64), nullable=False, default="")
    email = Column(String(200), nullable=False, default="")
    # "office" for offices people ask about; "crisis" for the emergency resources given to anyone in danger.
    group = Column(String(16), nullable=False, default="office")
    # How soon the office answers questions handed to it, in the office's words ("within two business days").
    reply_time = Column(String(200), nullable=False, default="")
    position = Column(Integer, nullable=False, default=0)
    source = Column(String(300), nullable=False)
    reviewed = Column(Date, nullable=False)


class InfoSessionRow(Base):
    """An information session; ``starts_at`` is stored in UTC."""

    __tablename__ = "info_sessions"
    id = Column(Integer, primary_key=True)
    # Stable across re-imports (derived from time, format and campus): calendar links keep working.
    uid = Column(String(32), nullable=False, unique=True)
    starts_at = Column(DateTime(timezone=True), nullable=False, index=True)
    format = Column(String(16), nullable=False)
    campus = Column(String(64), nullable=False, default="")
    title = Column(String(300), nullable=False)
    registration_url = Column(String(500), nullable=False)


class CourseRow(Base):
    """One course in a program's cohort schedule."""

    __tablename__ = "course_schedule"
    id = Column(Integer, primary_key=True)
    program = Column(String(16), nullable=False, index=True)
    semester = Column(Integer, nullable=False)
    term = Column(String(16), nullable=False)
    # The column keeps the name staff use in course_schedule.csv; existing databases stay valid.
    summer_session = Column("session", String(16), key="summer_session", nullable=False, default="")
    course_code = Column(String(32), nullable=False)
    course_title = Column(String(300), nullable=False)
    credits = Column(Integer, nullable=False)


class KnowledgeImportRow(Base):
    """When each kind of knowledge was last loaded, and from what file content."""

    __tablename__ = "knowledge_imports"
    kind = Column(String(32), primary_key=True)
    imported_at = Column(DateTime(timezone=True), nullable=False)
    sha256 = Column(String(64), nullable=False)
