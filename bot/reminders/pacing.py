"""Per-channel pacing: at most `rate` sends a second, and a pause when the platform says wait.

One process on SQLite (the lease holder) paces itself in memory; dispatchers on PostgreSQL
share one budget per channel through the database.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text

from bot.store.db import Database


class Pacer:
    """Spaces sends evenly (no bursts), so a platform's per-second limit is never crossed.

    A late send does not let the next ones catch up: the next slot is counted from when a send
    actually went, which keeps any one-second window at or under the rate.
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._paused_until = 0.0

    async def pause(self, seconds: float) -> None:
        """The platform answered "retry after": nothing goes out on this channel until then."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - time.monotonic())

    async def acquire(self) -> None:
        now = time.monotonic()
        at = max(now, self._next, self._paused_until)
        self._next = at + self.interval
        if at > now:
            await asyncio.sleep(at - now)


class SharedPacer:
    """The same spacing, shared by every dispatcher on one PostgreSQL database.

    The channel's next free send time lives in `shared_values` (seconds since the epoch);
    each send reserves the next slot with one atomic UPDATE … RETURNING, so N workers
    together stay at `rate`, and a "retry after" seen by one pauses them all.
    """

    def __init__(self, db: Database, channel: str, rate: float) -> None:
        self.db = db
        self.key = f"pace:{channel}"
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._known_pause = 0.0  # wall-clock end of the last pause this process saw

    async def acquire(self) -> None:
        now = time.time()
        async with self.db.transaction() as session:
            reserved = (
                await session.execute(
                    text(
                        "INSERT INTO shared_values (key, value, updated_at) "
                        "VALUES (:key, :first, now()) "
                        "ON CONFLICT (key) DO UPDATE SET updated_at = now(), value = CAST("
                        "GREATEST(CAST(shared_values.value AS DOUBLE PRECISION), "
                        "CAST(:now AS DOUBLE PRECISION)) + CAST(:interval AS DOUBLE PRECISION) "
                        "AS TEXT) "
                        "RETURNING CAST(value AS DOUBLE PRECISION)"
                    ),
                    {
                        "key": self.key,
                        "first": repr(now + self.interval),
                        "now": now,
                        "interval": self.interval,
                    },
                )
            ).scalar_one()
        at = float(reserved) - self.interval
        if at > now:
            await asyncio.sleep(at - time.time())

    async def pause(self, seconds: float) -> None:
        until = time.time() + seconds
        self._known_pause = max(self._known_pause, until)
        async with self.db.transaction() as session:
            await session.execute(
                text(
                    "UPDATE shared_values SET updated_at = now(), value = CAST(GREATEST("
                    "CAST(value AS DOUBLE PRECISION), CAST(:until AS DOUBLE PRECISION)) AS TEXT) "
                    "WHERE key = :key"
                ),
                {"key": self.key, "until": until},
            )

    def paused_for(self) -> float:
        return max(0.0, self._known_pause - time.time())
