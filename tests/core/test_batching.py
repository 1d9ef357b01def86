"""Micro-batches: together within the window, one key per batch, errors to every item."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.batching import MicroBatcher


async def test_items_within_the_window_share_a_call_of_one_key() -> None:
    calls: list[tuple[str, list[int]]] = []

    async def run(key: str, items: list[int]) -> list[int]:
        calls.append((key, items))
        return [item * 10 for item in items]

    batcher: MicroBatcher[str, int, int] = MicroBatcher(run, window=0.01, max_batch=3)
    futures = [batcher.submit("a", 1), batcher.submit("a", 2), batcher.submit("b", 3)]
    futures += [batcher.submit("b", n) for n in (4, 5, 6)]  # the third fills the batch
    assert await asyncio.gather(*futures) == [10, 20, 30, 40, 50, 60]
    assert calls == [("a", [1, 2]), ("b", [3, 4, 5]), ("b", [6])]
    assert batcher.batches == 3


async def test_a_failed_call_fails_every_item_of_its_batch() -> None:
    async def run(key: None, items: list[int]) -> list[int]:
        raise RuntimeError("model failed")

    batcher: MicroBatcher[None, int, int] = MicroBatcher(run, window=0.001, max_batch=8)
    futures = [batcher.submit(None, n) for n in range(3)]
    for future in futures:
        with pytest.raises(RuntimeError, match="model failed"):
            await future


async def test_what_arrives_during_a_call_goes_together_when_it_returns() -> None:
    calls: list[list[int]] = []
    release = asyncio.Event()

    async def run(key: None, items: list[int]) -> list[int]:
        calls.append(items)
        if len(calls) == 1:
            await release.wait()  # the worker is busy with the first batch
        return items

    batcher: MicroBatcher[None, int, int] = MicroBatcher(run, window=0.001, max_batch=3)
    first = batcher.submit(None, 0)
    await asyncio.sleep(0.01)  # the first batch left alone, after its window
    later = [batcher.submit(None, n) for n in range(1, 6)]
    await asyncio.sleep(0.01)  # windows pass: nothing more is sent while one batch runs
    assert calls == [[0]]
    release.set()
    assert await asyncio.gather(first, *later) == [0, 1, 2, 3, 4, 5]
    assert calls == [[0], [1, 2, 3], [4, 5]]  # then in full batches, one at a time
