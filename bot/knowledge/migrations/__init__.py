"""Schema migrations with Alembic: one history per database, applied from code when a store opens.

The knowledge database's migrations are in ``versions/`` beside this file, the ticket database's in
``bot/handoffs/migrations/versions/``. Each history records its revision in a table of its own
(``knowledge_schema_version``, ``handoffs_schema_version``), so the two may share one database. There
is no alembic.ini: ``History.config`` builds Alembic's configuration in code, with the folder of the
history and the caller's connection, so it works from any working directory.

Databases made before migrations existed have the tables but no version table. The first revision of
each history is the oldest schema the code ever created, and every later revision is one change made
since (found in the history of ``tables.py`` and ``tickets.py``). A database without a version table
is stamped with the revision whose tables and columns it has exactly, then upgraded from there: every
database any version made is brought up to date in place, rows kept, new columns filled with their
defaults. The columns of each revision are found by running the history on a scratch in-memory SQLite,
so they are written down once, in the migrations. A database that matches no revision (made by hand,
or damaged) is refused with ``SchemaError``, as is one at a revision this code does not know (a newer
version upgraded it).

Two processes starting at once do not both migrate: the upgrade runs in one transaction that first
takes a lock (PostgreSQL's ``pg_advisory_xact_lock``, SQLite's write lock through ``BEGIN IMMEDIATE``),
so the second waits and then finds the database at head. PostgreSQL and SQLite both roll DDL back, so
a failed migration leaves the database as it was.
"""

from __future__ import annotations

import functools
import logging
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import MetaData, Table, create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)

# Table name -> its column names: what a revision's schema has, and what a database has.
Tables = dict[str, frozenset[str]]
# Alembic keeps the running migration in module globals (alembic.context): one command at a time per process.
_ALEMBIC = threading.RLock()


class SchemaError(RuntimeError):
    """The database's tables do not match this version of the code."""


@dataclass(frozen=True)
class Status:
    """Where a database stands in its history."""

    revision: str | None  # None: it holds none of the history's tables yet
    versioned: bool  # False: made before migrations (or empty); the next upgrade stamps it
    pending: tuple[Script, ...]  # what an upgrade would apply, oldest first


@dataclass(frozen=True)
class History:
    """One database's chain of migrations: where the scripts are, where the revision is kept, the models."""

    name: str
    folder: Path
    version_table: str
    metadata: MetaData
    remedy: str  # what staff can do about a database this code cannot upgrade

    def config(self, connection: Connection | None = None) -> Config:
        """Alembic's configuration for this history, running on ``connection``."""
        config = Config()
        config.set_main_option("script_location", str(self.folder))
        config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        config.attributes.update(connection=connection, history=self)
        return config

    @functools.cached_property
    def script(self) -> ScriptDirectory:
        """The migration scripts."""
        return ScriptDirectory.from_config(self.config())

    @property
    def head(self) -> str:
        """The newest revision: the schema of the models in this version of the code."""
        head = self.script.get_current_head()
        assert head is not None, f"{self.folder} has no migrations"  # noqa: S101 - a packaging error
        return head

    def revisions(self) -> list[Script]:
        """Every revision, oldest first."""
        return list(reversed(list(self.script.walk_revisions())))

    def status(self, engine: Engine) -> Status:
        """The database's revision, whether it has a version table, and the revisions still to apply."""
        with engine.connect() as conn:
            current = self._current(conn)
            revision = current or self._recognise(conn)
        pending = self.script.iterate_revisions("head", revision or "base")
        return Status(revision, current is not None, tuple(reversed(list(pending))))

    def upgrade(self, engine: Engine) -> tuple[str | None, str]:
        """Bring the database to head under a lock, stamping one made before migrations; (before, after)."""
        with engine.begin() as conn:
            _lock(conn, self.version_table)
            return self._upgrade(conn)

    def reset(self, engine: Engine) -> None:
        """Drop this history's tables and its version table, then create them at head (other tables stay)."""
        with engine.begin() as conn:
            _lock(conn, self.version_table)
            self.metadata.drop_all(conn)
            Table(self.version_table, MetaData()).drop(conn, checkfirst=True)
            self._upgrade(conn)

    def differences(self, conn: Connection) -> list[object]:
        """What Alembic's autogenerate finds between the models and the database on ``conn``.

        Tables no revision of this history ever had belong to another (a shared database) and are left out.
        """
        known = set().union(*self.signatures.values())
        migration = MigrationContext.configure(conn, opts={
            "version_table": self.version_table,
            "include_name": lambda name, kind, _parent: kind != "table" or name in known})
        return list(compare_metadata(migration, self.metadata))

    def new_revision(self, message: str) -> Script | None:
        """Write the migration from head to the models into versions/ (autogenerate); None when they agree."""
        scratch = create_engine("sqlite://", poolclass=StaticPool)
        try:
            with scratch.begin() as conn:
                config = self.config(conn)
                _run(command.upgrade, config, "head")
                if not self.differences(conn):
                    return None
                script = _run(command.revision, config, message=message.strip().rstrip(".") + ".",
                              autogenerate=True, rev_id=f"{len(self.revisions()) + 1:04d}")
        finally:
            scratch.dispose()
        assert isinstance(script, Script)  # noqa: S101 - one script for one head
        return script

    def _current(self, conn: Connection) -> str | None:
        revision = MigrationContext.configure(conn, opts={"version_table": self.version_table}).get_current_revision()
        if revision is not None and revision not in {script.revision for script in self.revisions()}:
            raise SchemaError(f"The {self.name} database {_where(conn)} is at schema revision {revision}, which "
                              f"this version of the code does not know (its newest is {self.head}): a newer version "
                              f"upgraded it. Run that version, or: {self.remedy}")
        return revision

    def _upgrade(self, conn: Connection) -> tuple[str | None, str]:
        before = self._current(conn)
        if before is None:
            before = self._recognise(conn)
            if before is not None:
                logger.info("The %s database predates migrations; its tables are those of revision %s",
                            self.name, before)
                _run(command.stamp, self.config(conn), before)
        if before != self.head:
            _run(command.upgrade, self.config(conn), "head")
            logger.info("Upgraded the %s database from %s to %s", self.name, before or "empty", self.head)
        return before, self.head

    def _recognise(self, conn: Connection) -> str | None:
        """The revision whose tables an unversioned database has exactly; None when it has none of them."""
        known = set().union(*self.signatures.values())
        inspector = inspect(conn)
        found = {table: frozenset(c["name"] for c in inspector.get_columns(table))
                 for table in inspector.get_table_names() if table in known}
        if not found:
            return None
        for revision, tables in reversed(self.signatures.items()):
            if found == tables:
                return revision
        head = self.signatures[self.head]
        problems = [f"no table {t}" for t in sorted(head.keys() - found.keys())]
        problems += [f"no column {t}.{c}" for t in sorted(found) for c in sorted(head.get(t, frozenset()) - found[t])]
        problems += [f"unknown column {t}.{c}" for t in sorted(found) for c in sorted(found[t] - head.get(t, set()))]
        raise SchemaError(f"The {self.name} database {_where(conn)} has tables no version of this code made "
                          f"({', '.join(problems)}), so it cannot be upgraded in place. {self.remedy}")

    @functools.cached_property
    def signatures(self) -> dict[str, Tables]:
        """The tables and columns at each revision, oldest first, from running the history on a scratch SQLite."""
        scratch = create_engine("sqlite://", poolclass=StaticPool)
        found: dict[str, Tables] = {}
        try:
            with scratch.begin() as conn:
                for script in self.revisions():
                    _run(command.upgrade, self.config(conn), script.revision)
                    inspector = inspect(conn)
                    found[script.revision] = {table: frozenset(c["name"] for c in inspector.get_columns(table))
                                              for table in inspector.get_table_names()
                                              if table != self.version_table}
        finally:
            scratch.dispose()
        return found


def run_migrations() -> None:
    """Run what Alembic was asked for on the connection the caller handed in (each history's env.py)."""
    history: History = context.config.attributes["history"]
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is None:
        raise SchemaError(f"The {history.name} migrations run from code: use `python -m bot db upgrade`.")
    # Batch mode lets SQLite, which cannot alter most columns, copy a table instead; elsewhere it is plain ALTER.
    context.configure(connection=connection, target_metadata=history.metadata,
                      version_table=history.version_table, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def _run(alembic_command: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with _ALEMBIC:
        return alembic_command(*args, **kwargs)


def _lock(conn: Connection, name: str) -> None:
    """Hold the database's migration lock until the transaction ends; another process waits here."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(name.encode())})
    elif conn.dialect.name == "sqlite":
        # pysqlite opens transactions lazily and never for DDL: take the write lock now (waits up to the busy timeout).
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _where(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)
