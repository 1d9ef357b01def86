"""staff replies are claimed for sending in the database (handoff_messages.claimed_at)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.types import UTCDateTime

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column: an ALTER TABLE ADD COLUMN on both databases (batch mode on SQLite,
    # env.py, adds it in place too). Existing rows keep NULL: nothing was being sent.
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # A reply caught mid-send goes back in line (the old code knows no `sending`).
    op.execute("UPDATE handoff_messages SET delivery = 'pending' WHERE delivery = 'sending'")
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
