"""Contacts get a group (office or crisis), a reply time and the position staff listed them in.

Contacts already stored become offices with no reply time, in the order of their keys.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    """Add contacts.group, contacts.reply_time and contacts.position with their defaults."""
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("group", sa.String(length=16), nullable=False, server_default="office"))
        batch.add_column(sa.Column("reply_time", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("position", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("position")
        batch.drop_column("reply_time")
        batch.drop_column("group")
