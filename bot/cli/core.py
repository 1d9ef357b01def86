"""`linzhu serve`, `linzhu chat`, `linzhu db upgrade`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any

from aiohttp import web

from bot.config import get_settings

log = logging.getLogger("linzhu")


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the web chat, webhooks and channels")
    serve.add_argument("--host", help="listen address (default: HOST setting, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default: PORT setting, 8080)")
    serve.set_defaults(func=cmd_serve)

    chat = sub.add_parser("chat", help="chat with Linzhu in this terminal")
    chat.add_argument("--user", help="user id to chat as (default: your login name)")
    chat.set_defaults(func=cmd_chat)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = db_sub.add_parser("upgrade", help="apply database migrations (safe to repeat)")
    upgrade.set_defaults(func=cmd_db_upgrade)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging
    from bot.store.migrate import upgrade

    settings = get_settings()
    setup_logging(settings.log_level, settings)
    if settings.database_url.startswith("sqlite"):
        path = settings.database_url.split(":///", 1)[1]
        from pathlib import Path

        Path(path).parent.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, settings.database_schema)
    print("Database is up to date.")
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from bot.app import build_dispatcher
    from bot.channels.base import install
    from bot.channels.console import ConsoleChannel
    from bot.logs import setup_logging

    settings = get_settings()
    setup_logging("WARNING", settings)

    async def run() -> None:
        dispatcher = build_dispatcher(settings)
        console = ConsoleChannel(dispatcher)
        install(dispatcher, console)
        try:
            print("Linzhu — type a message, a number to choose, /quit to leave.")
            await console.run(user=args.user)
        finally:
            await dispatcher.services.db.dispose()

    asyncio.run(run())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging

    settings = get_settings()
    setup_logging(settings.log_level, settings)
    asyncio.run(serve(args.host or settings.host, args.port or settings.port))
    return 0


async def serve(host: str, port: int) -> None:
    from bot.app import build_dispatcher
    from bot.runtime import build_components
    from bot.web.app import create_web_app

    settings = get_settings()
    dispatcher = build_dispatcher(settings)
    components = build_components(dispatcher)
    app = create_web_app(dispatcher, *components)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    for component in components:
        await component.start()
        log.info("started %s", component.name)
    log.info("Linzhu is listening on http://%s:%d", host, port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for component in reversed(components):
            await component.stop()
        await runner.cleanup()
        await dispatcher.services.db.dispose()
        log.info("stopped")
