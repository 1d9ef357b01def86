"""Live reload of faq/ in `linzhu serve`: polling for edits, SIGHUP, and pid files.

Every serving process writes `<run_dir>/serve-<pid>.pid`; `linzhu faq reload` sends
SIGHUP to each live one (several workers may run on one machine). Polling file sizes
and modification times every few seconds costs nothing for ~60 files and needs no
inotify, so it works the same on every platform and on network file systems.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path

from aiohttp import web

from bot.core.dispatcher import Dispatcher
from bot.knowledge.base import KnowledgeBase, ReloadResult

log = logging.getLogger(__name__)


def pid_file(run_dir: Path, pid: int | None = None) -> Path:
    return run_dir / f"serve-{pid or os.getpid()}.pid"


def signal_servers(run_dir: Path) -> list[int]:
    """SIGHUP every live serving process; stale pid files are removed."""
    signalled: list[int] = []
    for path in sorted(run_dir.glob("serve-*.pid")) if run_dir.is_dir() else []:
        try:
            pid = int(path.read_text().strip())
            os.kill(pid, signal.SIGHUP)
        except (ValueError, OSError):
            path.unlink(missing_ok=True)
            continue
        signalled.append(pid)
    return signalled


class FaqReloader:
    """A `serve` component: reloads the knowledge base on change or on SIGHUP."""

    name = "faq-reloader"

    def __init__(self, knowledge: KnowledgeBase, run_dir: Path, interval: float) -> None:
        self.knowledge = knowledge
        self.run_dir = run_dir
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._busy = asyncio.Lock()

    def add_routes(self, app: web.Application) -> None:
        return None

    async def start(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        pid_file(self.run_dir).write_text(str(os.getpid()))
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGHUP, self._wake.set)
        self._task = asyncio.create_task(self._run(), name="faq-reloader")

    async def stop(self) -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        pid_file(self.run_dir).unlink(missing_ok=True)

    async def reload_now(self) -> ReloadResult:
        """Build the new index off the event loop so chats keep flowing meanwhile."""
        async with self._busy:
            return await asyncio.to_thread(self.knowledge.reload)

    async def _run(self) -> None:
        timeout = self.interval if self.interval > 0 else None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            signalled = self._wake.is_set()
            self._wake.clear()
            try:
                if signalled or await asyncio.to_thread(self.knowledge.changed_on_disk):
                    result = await self.reload_now()
                    if signalled:
                        log.info("faq reload on SIGHUP: %s", "ok" if result.ok else "refused")
            except Exception:
                log.exception("faq reload failed; still serving the previous version")


def reloader_factory(dispatcher: Dispatcher) -> FaqReloader | None:
    knowledge = dispatcher.services.knowledge
    if knowledge is None:
        return None
    settings = dispatcher.services.settings
    return FaqReloader(knowledge, settings.run_dir, settings.faq_watch_seconds)
