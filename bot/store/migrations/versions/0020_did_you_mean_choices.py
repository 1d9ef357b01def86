"""unanswered questions: "did you mean" offers and what the resident tapped

Revision ID: 0020
Revises: 0015
Create Date: 2026-12-05 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.types import UTCDateTime

revision: str = '0020'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('unanswered_questions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'outcome', sa.String(length=16), server_default='no_match', nullable=False
            )
        )
        batch_op.add_column(sa.Column('chosen', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('chosen_at', UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('unanswered_questions', schema=None) as batch_op:
        batch_op.drop_column('chosen_at')
        batch_op.drop_column('chosen')
        batch_op.drop_column('outcome')
