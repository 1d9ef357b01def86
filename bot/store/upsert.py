"""INSERT … ON CONFLICT for whichever database is in use."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def insert_for(dialect_name: str, table: Any) -> Any:
    """The dialect's INSERT construct, which has on_conflict_do_nothing/do_update."""
    if dialect_name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
