"""`linzhu dispatcher`: the reminder dispatcher on its own (beside or instead of `serve`)."""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import Any

from bot.config import get_settings


def register(sub: Any) -> None:
    run = sub.add_parser(
        "dispatcher",
        help="send due reminders (also runs inside `linzhu serve` unless REMINDERS_IN_SERVE=false)",
    )
    run.add_argument(
        "--once", action="store_true", help="send what is due now, then exit (for cron or tests)"
    )
    run.set_defaults(func=cmd_dispatcher)


def cmd_dispatcher(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging
    from bot.ops.multiproc import keep_existing

    settings = get_settings()
    setup_logging(settings.log_level, settings)
    keep_existing()  # a PROMETHEUS_MULTIPROC_DIR shared with `serve --workers`
    return asyncio.run(run_dispatcher(once=args.once))


async def run_dispatcher(once: bool = False) -> int:
    from bot.app import build_dispatcher
    from bot.handlers.handoff.delivery import deliver_unattended
    from bot.ops.metrics import install
    from bot.ops.retention import retention_loop
    from bot.reminders.component import build_reminder_dispatcher
    from bot.reminders.handoff_sweep import HandoffSweep
    from bot.runtime import Component, install_senders

    dispatcher = build_dispatcher(get_settings())
    services = dispatcher.services
    install_senders(dispatcher)
    install(services.db)
    reminders = build_reminder_dispatcher(services)
    try:
        if once:
            if not services.db.is_postgres and not await reminders.lease.hold():
                print("linzhu: another dispatcher holds the reminders lease; nothing done.")
                return 1
            while await reminders.run_once():
                pass
            if not services.db.is_postgres:
                await reminders.lease.release()
            await deliver_unattended(services)  # staff replies a dead worker left (cron)
            s = reminders.stats
            print(f"sent {s.sent}, retried {s.retried}, failed {s.failed}, cancelled {s.cancelled}")
            return 0
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        retention = retention_loop(services.settings, services.db)
        loops: list[Component] = [HandoffSweep(services), *([retention] if retention else [])]
        for background in loops:
            await background.start()
        try:
            await reminders.run(stop)
        finally:
            for background in reversed(loops):
                await background.stop()
        return 0
    finally:
        await services.db.dispose()
