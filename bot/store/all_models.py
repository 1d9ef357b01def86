"""Imports every table module so SQLModel.metadata is complete (for Alembic and tests)."""

from bot.store import consult_tables, events, inbox, models, outbox  # noqa: F401
