"""`serve` runs on uvloop when it is installed (EVENT_LOOP=auto), on asyncio's own loop
when asked; the server subprocess tests (tests/ops/test_shutdown.py) run on uvloop."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import Settings
from bot.web.loop import loop_factory, run


async def loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__.split(".")[0]


def test_auto_and_uvloop_run_on_uvloop_and_asyncio_on_the_standard_loop() -> None:
    pytest.importorskip("uvloop")
    assert run(loop_module(), "auto") == "uvloop"
    assert run(loop_module(), "uvloop") == "uvloop"
    assert run(loop_module(), "asyncio") == "asyncio"
    assert loop_factory("asyncio") is None


def test_the_setting_refuses_an_unknown_loop() -> None:
    assert Settings(event_loop="asyncio").event_loop == "asyncio"
    with pytest.raises(ValueError, match="event_loop"):
        Settings(event_loop="trio")  # type: ignore[arg-type]
