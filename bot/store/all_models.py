"""Imports every table module so SQLModel.metadata is complete (for Alembic and tests)."""

from bot.store import (  # noqa: F401
    inbox,
    outbox,
    ratelimit,
    tables,
    traffic,
    webhistory,
    websessions,
)
from bot.store.consultations import tables as consultation_tables  # noqa: F401
from bot.store.events import tables as event_tables  # noqa: F401
from bot.store.handoff import tables as handoff_tables  # noqa: F401
from bot.store.staff import tables as staff_tables  # noqa: F401
