"""handoff conversations and transcripts

Revision ID: 0018
Revises: 0021
Create Date: 2026-12-05 01:25:00.496877
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.types import JSONType, UTCDateTime

revision: str = "0018"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handoff_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("open_key", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.Integer(), nullable=True),
        sa.Column("opened_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("waits_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("unread", sa.Integer(), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("context", JSONType, nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["claimed_by"], ["staff_accounts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_key"),
    )
    with op.batch_alter_table("handoff_conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handoff_conversations_last_activity_at"),
            ["last_activity_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_handoff_conversations_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_handoff_conversations_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivery", sa.String(length=16), nullable=True),
        sa.Column("delivery_note", sa.String(length=300), nullable=True),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["staff_accounts.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["handoff_conversations.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_handoff_messages_conversation_id"), ["conversation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("handoff_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_messages_conversation_id"))

    op.drop_table("handoff_messages")
    with op.batch_alter_table("handoff_conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handoff_conversations_user_id"))
        batch_op.drop_index(batch_op.f("ix_handoff_conversations_status"))
        batch_op.drop_index(batch_op.f("ix_handoff_conversations_last_activity_at"))

    op.drop_table("handoff_conversations")
