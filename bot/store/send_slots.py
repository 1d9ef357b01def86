"""Send-rate windows shared by every worker on PostgreSQL (`send_slots`).

A window allows `limit` sends per `period` seconds and has `limit` rows. Taking a slot marks
it held (for `HOLD` seconds, in case the worker dies); giving it back makes it free again a
full period after the send *completed*, by the database's clock. The platform sees the
request somewhere between those two moments, so no `period` ever holds more than `limit`
sends from all workers together: the same rule as the in-process limiter
(bot/channels/telegram/ratelimit.py), kept in one place every worker reads.

Each statement is its own transaction (autocommit): one round trip to take a slot, one to
give back all of a send's slots.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text

from bot.store.db import Database

HOLD = 30.0  # a slot taken by a worker that died is free again after this many seconds

_TAKE = text(
    "UPDATE send_slots SET free_at = clock_timestamp() + make_interval(secs => :hold) "
    "WHERE name = :name AND slot = ("
    "  SELECT slot FROM send_slots WHERE name = :name AND free_at <= clock_timestamp() "
    "  ORDER BY free_at LIMIT 1 FOR UPDATE SKIP LOCKED) "
    "RETURNING slot"
)
_STATUS = text(
    "SELECT count(*), EXTRACT(EPOCH FROM min(free_at) - clock_timestamp()) "
    "FROM send_slots WHERE name = :name"
)
_CREATE = text(
    "INSERT INTO send_slots (name, slot, free_at) "
    "SELECT :name, n, clock_timestamp() FROM generate_series(0, :limit - 1) AS n "
    "ON CONFLICT (name, slot) DO NOTHING"
)
_GIVE_BACK = text(
    "UPDATE send_slots SET free_at = clock_timestamp() + make_interval(secs => :period) "
    "WHERE name = :name AND slot = :slot"
)
_PAUSE = text(
    "UPDATE send_slots SET free_at = GREATEST(free_at, "
    "clock_timestamp() + make_interval(secs => :seconds)) WHERE name = :name"
)
_PRUNE = text(
    "DELETE FROM send_slots WHERE name LIKE :prefix "
    "AND free_at < clock_timestamp() - make_interval(secs => :age)"
)


class SendSlots:
    def __init__(self, db: Database) -> None:
        if not db.is_postgres:
            raise ValueError("shared send slots need PostgreSQL; one SQLite process paces alone")
        self.db = db

    async def take(self, name: str, limit: int) -> tuple[int | None, float]:
        """(slot, 0) when one was free, else (None, seconds until the next one frees)."""
        async with self.db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            slot = (await conn.execute(_TAKE, {"name": name, "hold": HOLD})).scalar()
            if slot is not None:
                return int(slot), 0.0
            count, wait = (await conn.execute(_STATUS, {"name": name})).one()
            if count < limit:  # a window not used before: create its slots and try again
                await conn.execute(_CREATE, {"name": name, "limit": limit})
                slot = (await conn.execute(_TAKE, {"name": name, "hold": HOLD})).scalar()
                if slot is not None:
                    return int(slot), 0.0
            return None, max(0.0, float(wait or 0.0))

    async def give_back(self, taken: Sequence[tuple[str, int, float]]) -> None:
        """Free each (name, slot, period) a full period from now."""
        async with self.db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            for name, slot, period in taken:
                await conn.execute(_GIVE_BACK, {"name": name, "slot": slot, "period": period})

    async def pause(self, name: str, seconds: float) -> None:
        """No slot of this window is free before `seconds` from now (a "retry after")."""
        async with self.db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(_PAUSE, {"name": name, "seconds": seconds})

    async def prune(self, prefix: str, older_than: float = 3600.0) -> int:
        """Forget the windows of chats not sent to for a while (their rows are recreated)."""
        async with self.db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            result = await conn.execute(_PRUNE, {"prefix": prefix + "%", "age": older_than})
            return int(result.rowcount)
