"""What both stores (knowledge, handoffs) need of a database: an engine, their migrations, riding out a restart.

Migrations are plain Alembic, one history per database and a section each in ``alembic.ini``
(``alembic --name knowledge upgrade head``, ``--name handoffs``). Each history keeps its revision in a
table of its own, so the two may share one database. A store upgrades its database when it opens:
Alembic's ``upgrade head`` runs in one transaction that first takes a lock (PostgreSQL's
``pg_advisory_xact_lock``, SQLite's write lock), so two processes starting at once migrate once, and a
failed migration leaves the database as it was.

A PostgreSQL restart closes every connection and refuses new ones for a few seconds; a unit of work
that failed then wrote nothing (one transaction each), so :func:`retrying` runs it again. Errors that
are not about reaching the database (a bad query, a constraint) are raised at once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, TypeVar

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from bot.config import PROJECT_ROOT, Settings, load_settings

logger = logging.getLogger(__name__)

ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
# Alembic keeps the running migration in module globals (alembic.context): one command at a time per process.
_ALEMBIC = threading.Lock()
T = TypeVar("T")
FIRST_PAUSE_SECONDS = 0.2
LONGEST_PAUSE_SECONDS = 2.0


class SchemaError(RuntimeError):
    """The database's schema is not one this version of the code can bring up to date."""


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their folder created, a busy timeout and foreign keys."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, future=True, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _connection_record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@dataclass(frozen=True)
class Migrations:
    """One database's Alembic history: its alembic.ini section, its tables, what staff can do when it fails."""

    name: str  # the section of alembic.ini: `alembic --name <name> ...`
    metadata: sa.MetaData
    remedy: str

    def config(self, connection: Connection | None = None) -> Config:
        """Alembic's configuration for this history, running on ``connection`` when one is given."""
        config = Config(str(ALEMBIC_INI), ini_section=self.name)
        config.attributes["connection"] = connection
        return config

    @functools.cached_property
    def script(self) -> ScriptDirectory:
        """The migration scripts."""
        return ScriptDirectory.from_config(self.config())

    @property
    def version_table(self) -> str:
        """The table this history keeps its revision in."""
        return str(self.config().get_main_option("version_table"))

    @property
    def head(self) -> str:
        """The newest revision: the schema of the tables in this version of the code."""
        return str(self.script.get_current_head())

    def current(self, conn: Connection) -> str | None:
        """The database's revision (None: not migrated yet); SchemaError when this code does not know it."""
        revision = MigrationContext.configure(conn, opts={"version_table": self.version_table}).get_current_revision()
        if revision is not None and revision not in {script.revision for script in self.script.walk_revisions()}:
            raise SchemaError(f"The {self.name} database {_where(conn)} is at schema revision {revision}, which "
                              f"this version of the code does not know (its newest is {self.head}): a newer version "
                              f"upgraded it. Run that version, or: {self.remedy}")
        return revision

    def pending(self, engine: Engine) -> tuple[str | None, list[Script]]:
        """The database's revision and the migrations an upgrade would apply, oldest first."""
        with engine.connect() as conn:
            revision = self.current(conn)
        return revision, list(reversed(list(self.script.iterate_revisions("head", revision or "base"))))

    def upgrade(self, engine: Engine) -> tuple[str | None, str]:
        """Bring the database to head under the migration lock; returns (revision before, revision after)."""
        with engine.begin() as conn:
            _lock(conn, self.version_table)
            before = self.current(conn)
            if before != self.head:
                self._upgrade(conn)
                logger.info("Upgraded the %s database from %s to %s", self.name, before or "nothing", self.head)
        return before, self.head

    def reset(self, engine: Engine) -> None:
        """Drop this history's tables and its version table, then create them at head (other tables stay)."""
        with engine.begin() as conn:
            _lock(conn, self.version_table)
            self.metadata.drop_all(conn)
            sa.Table(self.version_table, sa.MetaData()).drop(conn, checkfirst=True)
            self._upgrade(conn)

    def _upgrade(self, conn: Connection) -> None:
        try:
            with _ALEMBIC:
                command.upgrade(self.config(conn), "head")
        except sa.exc.SQLAlchemyError as error:
            if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
                raise  # the database went away: nothing to say about its schema
            raise SchemaError(f"The {self.name} database {_where(conn)} could not be upgraded to {self.head} "
                              f"({getattr(error, 'orig', error)}); it was left as it was. {self.remedy}") from error


def run_migrations(metadata: sa.MetaData, url: Callable[[Settings], str]) -> None:
    """The body of a history's env.py: run Alembic's command on the caller's connection, else on ``url``.

    A store hands its connection in (``Migrations.config``); the ``alembic`` command line has none, so the
    database is the one the settings name (``url(load_settings())``).
    """
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection, metadata)
        return
    engine = make_engine(url(load_settings()))
    try:
        with engine.begin() as conn:
            _lock(conn, str(context.config.get_main_option("version_table")))
            _run(conn, metadata)
    finally:
        engine.dispose()


def _run(conn: Connection, metadata: sa.MetaData) -> None:
    # Batch mode lets SQLite, which cannot alter most columns, copy a table instead; elsewhere it is plain ALTER.
    # Autogenerate compares this history's tables only: the other history's may share the database.
    context.configure(connection=conn, target_metadata=metadata, render_as_batch=True,
                      version_table=context.config.get_main_option("version_table"),
                      include_name=lambda name, kind, _parent: kind != "table" or name in metadata.tables)
    with context.begin_transaction():
        context.run_migrations()


def _lock(conn: Connection, name: str) -> None:
    """Hold the database's migration lock until the transaction ends; another process waits here."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(name.encode())})
    elif conn.dialect.name == "sqlite":
        # pysqlite opens transactions lazily and never for DDL: take the write lock now (waits up to the busy timeout).
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _where(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


def is_disconnect(error: BaseException) -> bool:
    """Whether ``error`` means the database could not be reached (worth retrying), not a bad query."""
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError)


async def retrying(operation: Callable[[], Awaitable[T]], what: str, window: float) -> T:
    """Run ``operation`` again, with growing pauses, while it fails to reach the database, up to ``window`` s."""
    deadline = time.monotonic() + window
    pause = FIRST_PAUSE_SECONDS
    while True:
        try:
            return await operation()
        except sa.exc.SQLAlchemyError as error:
            if not is_disconnect(error) or time.monotonic() + pause > deadline:
                raise
            logger.warning("Database unreachable (%s); trying %s again in %.1f s", type(error).__name__, what, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
