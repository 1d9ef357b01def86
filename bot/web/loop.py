"""Which event loop `linzhu serve` runs on: uvloop when it is installed, else asyncio's.

uvloop (libuv, written in Cython) runs the loop's own work — scheduling callbacks, reading
and writing sockets, timers — in C. Under load that work is a share of every message the
loop handles (aiohttp's transports, each task step), so a faster loop answers /healthz and
webhooks sooner while messages are queued. Everything Linzhu uses on the loop works the
same on both (signals, threads handing results back, subprocess pools, SO_REUSEPORT), and
the test suite's server subprocesses run on uvloop. `EVENT_LOOP=asyncio` keeps the
standard loop (for a platform without uvloop wheels, or to rule it out when debugging).
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable, Coroutine
from typing import Any, Literal, TypeVar

T = TypeVar("T")
EventLoopSetting = Literal["auto", "uvloop", "asyncio"]


def loop_factory(setting: EventLoopSetting) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop (auto: when installed); None for asyncio's default."""
    if setting == "asyncio" or (setting == "auto" and importlib.util.find_spec("uvloop") is None):
        return None
    import uvloop  # "uvloop" when it is missing: an ImportError that names it

    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T], setting: EventLoopSetting) -> T:
    """asyncio.run on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory(setting)) as runner:
        return runner.run(main)
