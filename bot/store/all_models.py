"""Imports every table module so SQLModel.metadata is complete (for Alembic and tests)."""

from bot.store import models  # noqa: F401
