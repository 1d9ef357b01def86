"""web chat history: the last bubbles of each browser session, shown again after a reload

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 02:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('web_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('body', bot.store.types.JSONType, nullable=False),
    sa.Column('created_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('web_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_history_external_id'), ['external_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('web_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_history_external_id'))

    op.drop_table('web_history')
