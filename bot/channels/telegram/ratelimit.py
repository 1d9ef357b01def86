"""Telegram's send limits: about 30 messages/s overall, 1/s per chat, 20/min per group.

python-telegram-bot's AIORateLimiter does not hold the per-chat limit, so this is our own.
Each limit is a window of `limit` slots; a slot is taken before a request and handed back
`period` seconds after the request *completes*. The server sees the request somewhere
between those two moments, so at most `limit` requests ever reach it within any `period`,
whatever the network jitter — which is why a burst never earns a 429 from our own pace.

A chat waits for its own window first and only then for the global one, so a chat that is
over its limit never holds a global slot that other chats could use.

On PostgreSQL the windows are shared by every worker (`SharedRateLimiter`), so N workers
together stay within Telegram's limits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.store.db import Database
from bot.store.send_slots import SendSlots


class Window:
    """At most `limit` requests in any `period` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("a window needs limit >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self._semaphore = asyncio.Semaphore(limit)
        self.held = 0
        self.waiting = 0

    async def acquire(self) -> None:
        self.waiting += 1
        try:
            await self._semaphore.acquire()
        finally:
            self.waiting -= 1
        self.held += 1

    def release_later(self) -> None:
        asyncio.get_running_loop().call_later(self.period, self._release)

    def release_now(self) -> None:
        """Give the slot back at once (the request never reached the server)."""
        self._release()

    def _release(self) -> None:
        self.held -= 1
        self._semaphore.release()

    @property
    def idle(self) -> bool:
        return self.held == 0 and self.waiting == 0


@dataclass(frozen=True)
class Limits:
    per_second_global: int = 30
    per_second_chat: int = 1
    per_minute_group: int = 20


class RateLimiter:
    """Slots for sending to one chat; `async with limiter.slot(chat_id): await send(...)`."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._global = Window(self.limits.per_second_global, 1.0)
        self._chats: dict[int, Window] = {}
        self._groups: dict[int, Window] = {}
        self._paused_until: dict[int, float] = {}

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Hold one slot of every window that applies to `chat_id` around one request."""
        await self._wait_pause(chat_id)
        windows = [self._window(self._chats, chat_id, self.limits.per_second_chat, 1.0)]
        if chat_id < 0:  # groups and channels have negative ids
            windows.insert(
                0, self._window(self._groups, chat_id, self.limits.per_minute_group, 60.0)
            )
        windows.append(self._global)
        taken: list[Window] = []
        try:
            for window in windows:
                await window.acquire()
                taken.append(window)
        except BaseException:
            for window in taken:
                window.release_now()
            self._forget_idle(chat_id)
            raise
        try:
            yield
        finally:
            for window in taken:
                window.release_later()
            asyncio.get_running_loop().call_later(
                max(w.period for w in taken) + 0.01, self._forget_idle, chat_id
            )

    def pause(self, chat_id: int, seconds: float) -> None:
        """Telegram said "retry after": hold every send to this chat until then."""
        until = time.monotonic() + seconds
        self._paused_until[chat_id] = max(until, self._paused_until.get(chat_id, 0.0))

    async def _wait_pause(self, chat_id: int) -> None:
        while (until := self._paused_until.get(chat_id)) is not None:
            delay = until - time.monotonic()
            if delay <= 0:
                self._paused_until.pop(chat_id, None)
                return
            await asyncio.sleep(delay)

    @staticmethod
    def _window(windows: dict[int, Window], chat_id: int, limit: int, period: float) -> Window:
        window = windows.get(chat_id)
        if window is None:
            window = windows[chat_id] = Window(limit, period)
        return window

    def _forget_idle(self, chat_id: int) -> None:
        # Per-chat windows are created on demand; drop them when unused so memory stays flat.
        for windows in (self._chats, self._groups):
            window = windows.get(chat_id)
            if window is not None and window.idle:
                del windows[chat_id]

    @property
    def tracked_chats(self) -> int:
        return len(self._chats) + len(self._groups)


class SharedRateLimiter(RateLimiter):
    """The same limits for every worker together, through PostgreSQL (bot/store/send_slots).

    The process's own windows are taken first, so a chat busy here waits in memory; the
    shared windows (the chat's, its group's, then the global one) are taken next, polling
    the database only while a window is full. A "retry after" pauses the chat for every
    worker. Windows of chats not written to for an hour are forgotten now and then.
    """

    PRUNE_EVERY = 1000  # sends

    def __init__(self, slots: SendSlots, limits: Limits | None = None) -> None:
        super().__init__(limits)
        self.slots = slots
        self._sends = 0
        self._background: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        async with super().slot(chat_id):
            windows = [(f"telegram:chat:{chat_id}", self.limits.per_second_chat, 1.0)]
            if chat_id < 0:
                windows.append((f"telegram:group:{chat_id}", self.limits.per_minute_group, 60.0))
            windows.append(("telegram:global", self.limits.per_second_global, 1.0))
            taken: list[tuple[str, int, float]] = []
            try:
                for name, limit, period in windows:
                    taken.append((name, await self._take(name, limit), period))
                yield
            finally:
                if taken:
                    await asyncio.shield(self.slots.give_back(taken))
        self._sends += 1
        if self._sends % self.PRUNE_EVERY == 0:
            self._spawn(self.slots.prune("telegram:chat:"))

    async def _take(self, name: str, limit: int) -> int:
        while True:
            slot, wait = await self.slots.take(name, limit)
            if slot is not None:
                return slot
            await asyncio.sleep(min(max(wait, 0.005), 1.0))

    def pause(self, chat_id: int, seconds: float) -> None:
        super().pause(chat_id, seconds)
        self._spawn(self.slots.pause(f"telegram:chat:{chat_id}", seconds))

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def limiter_for(db: Database, limits: Limits) -> RateLimiter:
    """Shared by every worker on PostgreSQL; in-process on SQLite (one process)."""
    return SharedRateLimiter(SendSlots(db), limits) if db.is_postgres else RateLimiter(limits)
