"""The send limiter: windows hold, chats are independent, pauses are honoured."""

from __future__ import annotations

import asyncio
import time

from bot.channels.telegram.ratelimit import Limits, RateLimiter, Window


async def _send(limiter: RateLimiter, chat: int, log: list[tuple[int, float]]) -> None:
    async with limiter.slot(chat):
        log.append((chat, time.monotonic()))


async def test_per_chat_window_is_never_exceeded() -> None:
    limiter = RateLimiter(Limits(per_second_global=1000, per_second_chat=5))
    log: list[tuple[int, float]] = []
    start = time.monotonic()
    await asyncio.gather(*(_send(limiter, 1, log) for _ in range(12)))
    times = [t for _, t in log]
    # 12 messages at 5 per second: the 6th waits a second, the 11th two.
    assert times[5] - start >= 1.0 and times[10] - start >= 2.0
    for i in range(len(times) - 5):
        assert times[i + 5] - times[i] >= 1.0


async def test_a_busy_chat_does_not_hold_up_others() -> None:
    limiter = RateLimiter(Limits(per_second_global=1000, per_second_chat=1))
    log: list[tuple[int, float]] = []
    start = time.monotonic()
    busy = asyncio.gather(*(_send(limiter, 1, log) for _ in range(3)))
    await asyncio.sleep(0.05)
    await asyncio.gather(*(_send(limiter, chat, log) for chat in range(2, 20)))
    others = [t for chat, t in log if chat != 1]
    assert max(others) - start < 0.5
    await busy
    assert limiter.tracked_chats >= 1
    await asyncio.sleep(1.1)
    assert limiter.tracked_chats == 0  # idle chats are forgotten


async def test_global_window_and_group_window() -> None:
    limiter = RateLimiter(Limits(per_second_global=10, per_second_chat=100, per_minute_group=3))
    log: list[tuple[int, float]] = []
    start = time.monotonic()
    await asyncio.gather(*(_send(limiter, chat, log) for chat in range(1, 16)))
    assert sorted(t for _, t in log)[10] - start >= 1.0
    group: list[tuple[int, float]] = []
    await asyncio.gather(*(_send(limiter, -100, group) for _ in range(3)))
    fourth = asyncio.create_task(_send(limiter, -100, group))
    await asyncio.sleep(0.3)
    assert not fourth.done()  # the fourth group message waits for the minute
    fourth.cancel()


async def test_pause_holds_the_chat() -> None:
    limiter = RateLimiter(Limits(per_second_global=100, per_second_chat=100))
    limiter.pause(7, 0.3)
    log: list[tuple[int, float]] = []
    start = time.monotonic()
    await asyncio.gather(_send(limiter, 7, log), _send(limiter, 8, log))
    by_chat = dict(log)
    assert by_chat[7] - start >= 0.3 and by_chat[8] - start < 0.1


async def test_cancelled_wait_gives_slots_back() -> None:
    window = Window(1, 10.0)
    await window.acquire()
    waiter = asyncio.create_task(window.acquire())
    await asyncio.sleep(0.01)
    waiter.cancel()
    await asyncio.gather(waiter, return_exceptions=True)
    assert window.waiting == 0 and window.held == 1
    window.release_now()
    assert window.idle
