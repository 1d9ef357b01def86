"""Per-channel pacing: at most `rate` sends a second, and a pause when the platform says wait."""

from __future__ import annotations

import asyncio
import time


class Pacer:
    """Spaces sends evenly (no bursts), so a platform's per-second limit is never crossed.

    A late send does not let the next ones catch up: the next slot is counted from when a send
    actually went, which keeps any one-second window at or under the rate.
    """

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
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
