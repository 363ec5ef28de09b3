"""Staff answer tickets in their Slack thread, and the answer is delivered to the student.

Tickets remember their staff post (channel and ts, whose thread holds the replies), when and by whom
they were answered, how the answer reached the student, and when staff were reminded of them. Tickets
already stored get empty values: replies to their posts, made before this version, are not recognised.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    """Add the staff post, answer and delivery columns to handoff_tickets."""
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.add_column(sa.Column("staff_channel", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("staff_ts", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("answered_by", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("delivery", sa.String(length=500), nullable=False, server_default=""))
        batch.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_handoff_tickets_staff_post", ["staff_channel", "staff_ts"])
        batch.create_index("ix_handoff_tickets_sender_id", ["sender_id"])


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.drop_index("ix_handoff_tickets_sender_id")
        batch.drop_index("ix_handoff_tickets_staff_post")
        for column in ("reminded_at", "delivery", "answered_by", "answered_at", "staff_ts", "staff_channel"):
            batch.drop_column(column)
