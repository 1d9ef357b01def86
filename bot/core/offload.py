"""CPU-bound work off the event loop: one bounded pool per process.

Language detection on a long text, sentence encoding and FAQ scoring take milliseconds of
CPU each; run on the event loop they would stall every other channel for that long. They
run here instead (numpy and the encoders release the GIL while they compute). The pool is
small on purpose: more threads than cores only queue inside the libraries.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

# Work on a text up to this many characters runs on the loop (well under a millisecond); on
# a longer one, in the pool (4,000 characters would hold the loop for tens of milliseconds).
ON_LOOP_CHARS = 160

_pool: ThreadPoolExecutor | None = None


def cpu_pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        workers = max(2, min(4, os.cpu_count() or 2))
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="linzhu-cpu")
    return _pool


async def run_cpu(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` in the CPU pool, awaited without blocking the loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(cpu_pool(), lambda: fn(*args, **kwargs))


async def run_for_text(fn: Callable[[str], T], text: str) -> T:
    """`fn(text)` right here for a chat-length text, in the CPU pool for a longer one."""
    if len(text) > ON_LOOP_CHARS:
        return await run_cpu(fn, text)
    return fn(text)
