"""Alembic environment: runs migrations on Linzhu's async engine (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import bot.store.all_models  # noqa: F401 - registers every table on SQLModel.metadata
from bot.store.db import Database

config = context.config
target_metadata = SQLModel.metadata


def _url_and_schema() -> tuple[str, str | None]:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    schema = config.attributes.get("schema")
    if not url:
        from bot.config import get_settings

        settings = get_settings()
        url, schema = settings.database_url, settings.database_schema
    return url, schema


def _run(connection: Connection) -> None:
    schema = config.attributes.get("schema")
    if schema and connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        connection.commit()
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url, schema = _url_and_schema()
    db = Database(url, pool_size=1, schema=schema)
    try:
        async with db.connect() as conn:
            await conn.run_sync(_run)
            await conn.commit()
    finally:
        await db.dispose()


if context.is_offline_mode():
    url, _schema = _url_and_schema()
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
