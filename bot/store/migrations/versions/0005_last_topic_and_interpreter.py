"""conversation state: the FAQ topic answered last; bookings: the interpreter flag

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 22:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('conversation_states', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_topic', sa.String(length=128), nullable=True))
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('interpreter', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('interpreter')
    with op.batch_alter_table('conversation_states', schema=None) as batch_op:
        batch_op.drop_column('last_topic')
