"""`linzhu db upgrade`: Alembic driven from code, so operators never edit alembic.ini.

The migrations live inside the package (bot/store/migrations/), so an installed wheel upgrades
a database as a checkout does; alembic.ini at the repository root only serves developers who
run `alembic revision --autogenerate` by hand.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str, schema: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = url
    cfg.attributes["schema"] = schema
    return cfg


def upgrade(url: str, schema: str | None = None, revision: str = "head") -> None:
    """Bring the database to `revision`. Must not run inside an event loop (Alembic starts one)."""
    command.upgrade(alembic_config(url, schema), revision)


async def upgrade_async(url: str, schema: str | None = None) -> None:
    await asyncio.to_thread(upgrade, url, schema)
