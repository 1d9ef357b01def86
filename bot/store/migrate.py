"""`linzhu db upgrade`: Alembic driven from code, so operators never edit alembic.ini."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent.parent


def alembic_config(url: str, schema: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    cfg.attributes["schema"] = schema
    return cfg


def upgrade(url: str, schema: str | None = None, revision: str = "head") -> None:
    """Bring the database to `revision`. Must not run inside an event loop (Alembic starts one)."""
    command.upgrade(alembic_config(url, schema), revision)


async def upgrade_async(url: str, schema: str | None = None) -> None:
    await asyncio.to_thread(upgrade, url, schema)
