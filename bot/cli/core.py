"""`linzhu serve`, `linzhu chat`, `linzhu db upgrade`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from bot.config import get_settings

log = logging.getLogger("linzhu")


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the web chat, webhooks and channels")
    serve.add_argument("--host", help="listen address (default: HOST setting, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default: PORT setting, 8080)")
    serve.add_argument(
        "--workers",
        type=int,
        help="web worker processes sharing the port, plus one reminder process "
        "(PostgreSQL; default: WORKERS setting, 1)",
    )
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
    from bot.web.loop import run as run_loop
    from bot.web.serve import serve, serve_workers

    settings = get_settings()
    setup_logging(settings.log_level, settings)
    host, port = args.host or settings.host, args.port or settings.port
    workers = args.workers or settings.workers
    if workers < 1:
        print("linzhu: --workers must be at least 1", file=sys.stderr)
        return 2
    if workers == 1:
        from bot.ops.multiproc import keep_existing

        keep_existing()
        run_loop(serve(settings, host, port), settings.event_loop)
        return 0
    if not settings.database_url.startswith("postgresql"):
        print(
            "linzhu: several workers need PostgreSQL (DATABASE_URL); SQLite serves one "
            "process, which already handles one write at a time.",
            file=sys.stderr,
        )
        return 2
    return serve_workers(settings, host, port, workers)
