"""What `linzhu serve` runs: one process, or a parent and N pre-forked workers.

`--workers N` (PostgreSQL) is the pre-fork model of gunicorn's `--preload`: the parent
loads everything once (catalogs, the FAQ index and its encoder, the language detector —
most of a worker's memory), then forks N web workers, which share those pages
copy-on-write, and one reminder process (the outbox dispatcher with its senders). Each web
worker binds HOST:PORT with SO_REUSEPORT, so the kernel spreads connections over them
(Linux). The parent only supervises: it passes SIGTERM/SIGINT and SIGHUP (FAQ reload) on
and restarts a child that dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable

from aiohttp import web

from bot.app import build_dispatcher
from bot.config import Settings
from bot.core import heap
from bot.core.dispatcher import Dispatcher
from bot.i18n.resolver import DetectingLocaleResolver
from bot.knowledge.scoring_process import child_config
from bot.runtime import Component, build_components, install_senders
from bot.web.app import create_web_app
from bot.web.loop import run as run_loop

log = logging.getLogger("linzhu")
RESTART_PAUSE = 1.0  # seconds between restarts of a child that keeps dying
HTTP_SHARE = 0.75  # of SHUTDOWN_GRACE_SECONDS, for the requests in flight


async def serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    dispatcher: Dispatcher | None = None,
    keep: Callable[[Component], bool] = lambda component: True,
    reuse_port: bool = False,
    web_processes: int = 1,
) -> None:
    """The web chat, /healthz, the channels' webhooks and the background loops (`keep`
    chooses among them), until SIGINT or SIGTERM."""
    settle_later = dispatcher is None  # a forked worker's parent settled before forking
    if dispatcher is None:
        dispatcher = build_dispatcher(settings)
        preload(dispatcher)
    components = [c for c in build_components(dispatcher) if keep(c)]
    knowledge = dispatcher.services.knowledge
    if knowledge is not None and wants_scoring_process(settings, web_processes):
        knowledge.start_scoring(child_config(settings))
    app = create_web_app(dispatcher, *components)
    grace = settings.shutdown_grace_seconds
    # Requests get most of the grace period; the components' own stop the rest.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=grace * HTTP_SHARE)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
    await site.start()
    for component in components:
        await component.start()
        log.info("started %s", component.name)
    log.info(
        "Linzhu is listening on http://%s:%d (pid %d, event loop: %s)",
        host,
        port,
        os.getpid(),
        type(asyncio.get_running_loop()).__module__.split(".")[0],
    )
    settling = asyncio.create_task(settle_when_loaded(dispatcher)) if settle_later else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        if settling is not None:
            settling.cancel()
        await shut_down(runner, components, grace)
        if knowledge is not None:
            knowledge.stop_scoring()
        await dispatcher.services.db.dispose()
        log.info("stopped")


async def shut_down(runner: web.AppRunner, components: list[Component], grace: float) -> None:
    """SIGTERM: stop accepting connections, let the requests in flight finish (their
    messages are answered), then stop the components (the reminder dispatcher finishes its
    batch, WeChat's late replies go out by customer service), all within `grace` seconds;
    whatever is still running then is cancelled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    log.info("stopping: no new connections; finishing what is in flight (up to %.0f s)", grace)
    await runner.cleanup()  # closes the listening socket, waits for handlers (shutdown_timeout)
    if loop.time() - (deadline - grace) >= grace * HTTP_SHARE:
        log.warning("requests still running after %.0f s were cancelled", grace * HTTP_SHARE)
    for component in reversed(components):
        left = max(0.1, deadline - loop.time())
        try:
            await asyncio.wait_for(component.stop(), timeout=left)
        except TimeoutError:
            log.warning("%s did not stop within the grace period; cancelled", component.name)
        except Exception:
            log.exception("%s failed to stop cleanly", component.name)


async def run_reminders(dispatcher: Dispatcher) -> None:
    """The reminder process of `--workers`: the outbox dispatcher and every standalone sender."""
    from bot.ops.metrics import install
    from bot.ops.retention import retention_loop
    from bot.reminders.component import build_reminder_dispatcher
    from bot.reminders.handoff_sweep import HandoffSweep

    install_senders(dispatcher)
    services = dispatcher.services
    install(services.db)
    reminders = build_reminder_dispatcher(services)
    retention = retention_loop(services.settings, services.db)
    loops: list[Component] = [HandoffSweep(services), *([retention] if retention else [])]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for background in loops:
        await background.start()
    try:
        await reminders.run(stop)
    finally:
        for background in reversed(loops):
            await background.stop()
        await services.db.dispose()


def wants_scoring_process(settings: Settings, web_processes: int) -> bool:
    """A scoring process pays for itself when it gets a core the web processes do not use:
    one worker on two cores gained 2.3x (bench/chat_load.py, SQLite), while two workers on
    two cores lost a fifth of their throughput to it (PostgreSQL)."""
    if settings.faq_scoring_process != "auto":
        return settings.faq_scoring_process == "on"
    return usable_cores() > web_processes


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


async def settle_when_loaded(dispatcher: Dispatcher) -> None:
    """Freeze the start-up heap (bot/core/heap.py) once the encoders, which load in the
    background, are in it."""
    await asyncio.to_thread(wait_for_models, dispatcher)
    heap.settle("serve")


def wait_for_models(dispatcher: Dispatcher) -> None:
    if dispatcher.services.knowledge is not None:
        dispatcher.services.knowledge.wait_for_models()


def preload(dispatcher: Dispatcher) -> None:
    """What would otherwise load on some resident's first message of its kind."""
    resolver = dispatcher.services.locale_resolver
    if isinstance(resolver, DetectingLocaleResolver):
        resolver.preload()


def web_worker_keeps(index: int, settings: Settings) -> Callable[[Component], bool]:
    """Reminders (with the retention run and the handoff sweep) run in their own process;
    Telegram polling (one poller per bot) in worker 0."""

    def keep(component: Component) -> bool:
        if component.name in ("reminders", "handoff-sweep", "retention"):
            return False
        return not (component.name == "telegram" and settings.telegram_mode == "polling" and index)

    return keep


def serve_workers(settings: Settings, host: str, port: int, workers: int) -> int:
    """Load once, fork `workers` web workers and the reminder process, supervise them."""
    from bot.ops.multiproc import prepare_multiprocess

    prepare_multiprocess(settings.run_dir)  # before any metric exists in any process
    dispatcher = build_dispatcher(settings)
    preload(dispatcher)
    wait_for_models(dispatcher)  # no loader thread may be running at fork
    heap.settle("before forking the workers")
    others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
    if others:
        log.warning("threads alive before forking the workers: %s", ", ".join(others))

    def child(role: str) -> None:
        # Connections must not cross a fork; the engine opened none yet, this makes sure.
        dispatcher.services.db.engine.sync_engine.dispose(close=False)
        if role == "reminders":
            run_loop(run_reminders(dispatcher), settings.event_loop)
        else:
            index = int(role.split("-")[1])
            keep = web_worker_keeps(index, settings)
            run_loop(
                serve(
                    settings,
                    host,
                    port,
                    dispatcher=dispatcher,
                    keep=keep,
                    reuse_port=True,
                    web_processes=workers,
                ),
                settings.event_loop,
            )

    roles = [f"web-{i}" for i in range(workers)]
    if settings.reminders_in_serve:
        roles.append("reminders")
    return _supervise(roles, child)


def _supervise(roles: list[str], child: Callable[[str], None]) -> int:
    from bot.ops.multiproc import process_exited

    children: dict[int, str] = {}
    stopping = False

    def spawn(role: str) -> None:
        pid = os.fork()
        if pid == 0:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)
            code = 0
            try:
                child(role)
            except BaseException:
                log.exception("%s failed", role)
                code = 1
            finally:
                logging.shutdown()
                os._exit(code)
        children[pid] = role
        log.info("started %s (pid %d)", role, pid)

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        if signum != signal.SIGHUP:
            stopping = True
        for pid, role in list(children.items()):
            if signum != signal.SIGHUP or role != "reminders":
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM if signum != signal.SIGHUP else signum)

    for role in roles:
        spawn(role)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    last_restart = 0.0
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid not in children:
            continue
        role = children.pop(pid)
        process_exited(pid)
        if stopping:
            continue
        log.error("%s (pid %d) exited with status %d; restarting it", role, pid, status)
        time.sleep(max(0.0, RESTART_PAUSE - (time.monotonic() - last_restart)))
        last_restart = time.monotonic()
        spawn(role)
    return 0
