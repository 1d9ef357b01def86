"""send_slots: send-rate windows shared by every worker (the Telegram limits)

Revision ID: 0015
Revises: 0017
Create Date: 2026-12-04 23:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = '0015'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'send_slots',
        sa.Column('name', sa.String(length=96), nullable=False),
        sa.Column('slot', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('free_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', 'slot'),
    )


def downgrade() -> None:
    op.drop_table('send_slots')
