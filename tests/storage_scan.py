"""Read back every row of every table and report text a client could have smuggled in."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

import bot.store.all_models  # noqa: F401
from bot.store.db import Database

# Its own definition, not the product's (bot/core/hygiene.py): the check must not share a bug
# with what it checks. C0 controls but tab, newline and carriage return; any surrogate.
UNCLEAN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


async def unclean_values(db: Database) -> list[str]:
    """`table.column: value` for each stored string with a NUL, control byte or surrogate."""
    found: list[str] = []
    async with db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column, value in row.items():
                    bad = [s for s in _strings(value) if UNCLEAN.search(s)]
                    found += [f"{table.name}.{column}: {s!r}" for s in bad]
    return found


async def stored_rows(db: Database, table: str) -> list[dict[str, Any]]:
    async with db.session() as session:
        found = SQLModel.metadata.tables[table]
        return [dict(r) for r in (await session.execute(select(found))).mappings()]
