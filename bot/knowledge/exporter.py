"""Write the knowledge store back to the staff-editable files, in the formats the loader reads."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.knowledge import loader
from bot.knowledge import tables as models


class _Literal(str):
    """A string written as a YAML block (keeps line breaks readable)."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.ScalarNode:
    style = "|" if "\n" in value else ">"
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def _yaml(data: Any, header: str) -> str:
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"# {header}\n{body}"


def _terms(session: Session, label: str) -> dict[str, list[str]]:
    terms: dict[str, list[str]] = {}
    for row in session.scalars(select(models.Synonym).where(models.Synonym.label == label).order_by(models.Synonym.id)):
        terms.setdefault(row.value, []).append(row.term)
    return terms


def programs(session: Session) -> str:
    """programs.yml."""
    program_terms, spec_terms = _terms(session, "program"), _terms(session, "specialization")
    out = []
    for p in session.scalars(select(models.Program).order_by(models.Program.code)):
        specs = session.scalars(select(models.Specialization).where(models.Specialization.program_code == p.code)
                                .order_by(models.Specialization.position))
        out.append({"code": p.code, "name": p.name, "synonyms": program_terms.get(p.code, []), "source": p.source,
                    "reviewed": p.reviewed.isoformat(),
                    "specializations": [{"key": s.key, "name": s.name, "synonyms": spec_terms.get(s.key, []),
                                         "online_since": s.online_since, "summary": s.summary} for s in specs]})
    return _yaml({"programs": out}, "Programs and specializations (exported by `python -m bot knowledge export`).")


def vocabulary(session: Session) -> str:
    """vocabulary.yml."""
    data = {label: _terms(session, label) for label in loader.VOCABULARY_LABELS}
    return _yaml(data, "Names the assistant recognises (exported by `python -m bot knowledge export`).")


def answers(session: Session) -> str:
    """answers.yml, one entry per topic with its general or per-program answers."""
    topics: dict[str, dict[str, Any]] = {}
    for a in session.scalars(select(models.Answer).order_by(models.Answer.id)):
        entry = topics.setdefault(a.topic, {"title": a.title, "source": a.source, "reviewed": a.reviewed.isoformat()})
        if not a.covered:
            entry["covered"] = False
        elif a.program:
            entry.setdefault("answers", {})[a.program] = _Literal(a.text)
        else:
            entry["answer"] = _Literal(a.text)
    return _yaml({"topics": topics}, "FAQ answers (exported by `python -m bot knowledge export`).")


def contacts(session: Session) -> str:
    """contacts.yml."""
    rows = [{"key": c.key, "name": c.name, "group": c.group, "purpose": c.purpose, "phone": c.phone, "fax": c.fax,
             "email": c.email, "reply_time": c.reply_time, "source": c.source, "reviewed": c.reviewed.isoformat()}
            for c in session.scalars(select(models.Contact).order_by(models.Contact.position, models.Contact.key))]
    return _yaml({"contacts": rows}, "Contacts (exported by `python -m bot knowledge export`).")


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def info_sessions(session: Session) -> str:
    """info_sessions.csv, times in UTC with their offset."""
    rows = []
    for s in session.scalars(select(models.InfoSession).order_by(models.InfoSession.starts_at)):
        starts = s.starts_at if s.starts_at.tzinfo else s.starts_at.replace(tzinfo=dt.timezone.utc)
        rows.append([starts.astimezone(dt.timezone.utc).isoformat(), s.format, s.campus, s.title, s.registration_url])
    return _csv(["starts_at", "format", "campus", "title", "registration_url"], rows)


def course_schedule(session: Session) -> str:
    """course_schedule.csv."""
    rows = [[c.program, c.semester, c.term, c.session, c.course_code, c.course_title, c.credits]
            for c in session.scalars(select(models.Course).order_by(models.Course.program, models.Course.semester,
                                                                   models.Course.id))]
    return _csv(["program", "semester", "term", "session", "course_code", "course_title", "credits"], rows)


WRITERS = {"programs.yml": programs, "vocabulary.yml": vocabulary, "answers.yml": answers,
           "contacts.yml": contacts, "info_sessions.csv": info_sessions, "course_schedule.csv": course_schedule}


def export(session: Session, directory: Path) -> list[Path]:
    """Write every knowledge file into ``directory``; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in loader.LOAD_ORDER:
        path = directory / name
        path.write_text(WRITERS[name](session), encoding="utf-8")
        written.append(path)
    return written
