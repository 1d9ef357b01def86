"""staff console: accounts, sessions, audit log, FAQ overlay, message counts

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 22:32:32
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.store.types

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('message_counts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.String(length=128), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'channel', 'locale', 'topic')
    )
    op.create_table('staff_login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('created_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff_login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_login_failures_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_login_failures_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_login_failures_username'), ['username'], unique=False)

    op.create_table('staff_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('consultant_id', sa.Integer(), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('ui_locale', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('password_changed_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultant_id'], ['consultants.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username')
    )
    op.create_table('faq_overlay',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('faq_id', sa.String(length=128), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('added_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['unanswered_questions.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('faq_id', 'locale', 'text', name='uq_faq_overlay_phrasing')
    )
    with op.batch_alter_table('faq_overlay', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_overlay_faq_id'), ['faq_id'], unique=False)

    op.create_table('staff_audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=128), nullable=False),
    sa.Column('before', bot.store.types.JSONType, nullable=True),
    sa.Column('after', bot.store.types.JSONType, nullable=True),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('created_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['staff_accounts.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff_audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_audit_log_created_at'), ['created_at'], unique=False)

    op.create_table('staff_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('created_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bot.store.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['staff_accounts.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_staff_sessions_account', ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_sessions_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_note', sa.Text(), nullable=True))

    with op.batch_alter_table('consultants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('modes', bot.store.types.JSONType, nullable=True))

    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checked_in_at', bot.store.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('slots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', bot.store.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('unanswered_questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('resolved_topic', sa.String(length=128), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact', sa.String(length=128), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('contact')

    with op.batch_alter_table('unanswered_questions', schema=None) as batch_op:
        batch_op.drop_column('resolved_topic')
        batch_op.drop_column('resolution')

    with op.batch_alter_table('slots', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')

    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.drop_column('checked_in_at')

    with op.batch_alter_table('consultants', schema=None) as batch_op:
        batch_op.drop_column('modes')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('staff_note')

    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_expires_at'))
        batch_op.drop_index('ix_staff_sessions_account')

    op.drop_table('staff_sessions')
    with op.batch_alter_table('staff_audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_audit_log_created_at'))
        batch_op.drop_index(batch_op.f('ix_staff_audit_log_action'))

    op.drop_table('staff_audit_log')
    with op.batch_alter_table('faq_overlay', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_overlay_faq_id'))

    op.drop_table('faq_overlay')
    op.drop_table('staff_accounts')
    with op.batch_alter_table('staff_login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_login_failures_username'))
        batch_op.drop_index(batch_op.f('ix_staff_login_failures_created_at'))
        batch_op.drop_index(batch_op.f('ix_staff_login_failures_address'))

    op.drop_table('staff_login_failures')
    op.drop_table('message_counts')
