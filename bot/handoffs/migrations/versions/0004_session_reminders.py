"""Reminders a student asks for: information sessions emailed the day before, kept with the tickets."""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    """Create session_reminders."""
    op.create_table(
        "session_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("session_uid", sa.String(length=16), nullable=False),
        sa.Column("session_title", sa.String(length=300), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_session_reminders_due", "session_reminders", ["status", "send_at"])
    op.create_index("ix_session_reminders_sender_id", "session_reminders", ["sender_id"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_session_reminders_sender_id", table_name="session_reminders")
    op.drop_index("ix_session_reminders_due", table_name="session_reminders")
    op.drop_table("session_reminders")
