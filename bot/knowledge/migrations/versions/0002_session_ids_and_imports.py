"""Information sessions get a stable id; when each kind of knowledge was last imported.

Sessions already stored get the id the importer would give them, so calendar links match a re-import.
"""

import datetime as dt
import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

sessions = sa.table("info_sessions", sa.column("id", sa.Integer()), sa.column("uid", sa.String(32)),
                    sa.column("starts_at", sa.DateTime(timezone=True)), sa.column("format", sa.String(16)),
                    sa.column("campus", sa.String(64)))


def upgrade() -> None:
    """Add info_sessions.uid (filled for stored sessions) and the knowledge_imports table."""
    op.create_table(
        "knowledge_imports",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )
    with op.batch_alter_table("info_sessions") as batch:
        batch.add_column(sa.Column("uid", sa.String(length=32), nullable=True))
    bind = op.get_bind()
    stored = bind.execute(sa.select(sessions.c.id, sessions.c.starts_at, sessions.c.format, sessions.c.campus)).all()
    for row in stored:
        uid = _uid(row.starts_at, row.format, row.campus)
        bind.execute(sessions.update().where(sessions.c.id == row.id).values(uid=uid))
    with op.batch_alter_table("info_sessions") as batch:
        batch.alter_column("uid", existing_type=sa.String(length=32), nullable=False)
        # PostgreSQL's own name for the column's UNIQUE, so both ways of making the table agree.
        batch.create_unique_constraint("info_sessions_uid_key", ["uid"])


def downgrade() -> None:
    """Drop info_sessions.uid and the knowledge_imports table."""
    with op.batch_alter_table("info_sessions") as batch:
        batch.drop_constraint("info_sessions_uid_key", type_="unique")
        batch.drop_column("uid")
    op.drop_table("knowledge_imports")


def _uid(starts_at: dt.datetime, fmt: str, campus: str) -> str:
    # The importer's id at the time of this revision (bot.knowledge.info_sessions._uid), from the time in UTC.
    # SQLite hands the time back naive, in UTC.
    utc = starts_at.astimezone(dt.timezone.utc) if starts_at.tzinfo else starts_at.replace(tzinfo=dt.timezone.utc)
    return hashlib.sha256(f"{utc.isoformat()}|{fmt}|{campus.lower()}".encode()).hexdigest()[:16]
