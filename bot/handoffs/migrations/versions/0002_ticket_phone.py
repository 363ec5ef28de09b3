"""Tickets keep a phone number (E.164) for people who would rather be called.

Tickets already stored get an empty phone.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """Add handoff_tickets.phone."""
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=40), nullable=False, server_default=""))


def downgrade() -> None:
    """Drop handoff_tickets.phone."""
    with op.batch_alter_table("handoff_tickets") as batch:
        batch.drop_column("phone")
