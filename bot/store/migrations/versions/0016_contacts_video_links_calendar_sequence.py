"""bookings: the resident's contact; consultants: their video link; events: the calendar
SEQUENCE; users: the platform's display name

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-05 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.String(length=80), nullable=True))
    with op.batch_alter_table('consultants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('video_link', sa.String(length=300), nullable=True))
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('sequence', sa.Integer(), server_default=sa.text('0'), nullable=False)
        )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('display_name')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('sequence')
    with op.batch_alter_table('consultants', schema=None) as batch_op:
        batch_op.drop_column('video_link')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('contact')
