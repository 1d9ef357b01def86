"""staff replies written in the staff Telegram group are marked (handoff_messages.via_group)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing replies count as the console's: a failure of one is not reported in the group.
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("via_group", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.drop_column("via_group")
