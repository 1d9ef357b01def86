"""`linzhu telegram set-webhook | delete-webhook | set-commands | info`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.config import Settings, get_settings


def register(sub: Any) -> None:
    telegram = sub.add_parser("telegram", help="manage the Telegram bot (webhook, command menu)")
    actions = telegram.add_subparsers(dest="telegram_command", metavar="ACTION", required=True)

    set_webhook = actions.add_parser(
        "set-webhook",
        help="point Telegram at TELEGRAM_WEBHOOK_URL, with TELEGRAM_WEBHOOK_SECRET",
    )
    set_webhook.add_argument("--url", help="public HTTPS URL (default: TELEGRAM_WEBHOOK_URL)")
    set_webhook.add_argument(
        "--drop-pending", action="store_true", help="discard updates Telegram is holding"
    )
    set_webhook.set_defaults(func=cmd_set_webhook)

    delete_webhook = actions.add_parser(
        "delete-webhook", help="stop webhook delivery (needed before polling)"
    )
    delete_webhook.add_argument(
        "--drop-pending", action="store_true", help="discard updates Telegram is holding"
    )
    delete_webhook.set_defaults(func=cmd_delete_webhook)

    commands = actions.add_parser(
        "set-commands", help="set the command menu in every language (serve does this too)"
    )
    commands.set_defaults(func=cmd_set_commands)


def _settings() -> Settings:
    settings = get_settings()
    if settings.telegram_bot_token is None:
        print("linzhu: TELEGRAM_BOT_TOKEN is not set (see .env.example).", file=sys.stderr)
        raise SystemExit(2)
    return settings


def cmd_set_webhook(args: argparse.Namespace) -> int:
    settings = _settings()
    url = args.url or settings.telegram_webhook_url
    if not url or not url.startswith("https://"):
        print(
            "linzhu: set TELEGRAM_WEBHOOK_URL (or --url) to a public https:// URL.", file=sys.stderr
        )
        return 2
    if settings.telegram_webhook_secret is None:
        print("linzhu: set TELEGRAM_WEBHOOK_SECRET first (letters, digits, _ -).", file=sys.stderr)
        return 2
    secret = settings.telegram_webhook_secret.get_secret_value()

    async def run(bot: Any) -> None:
        await bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=_allowed_updates(),
            drop_pending_updates=args.drop_pending or None,
        )

    _run(settings, run)
    print(f"Webhook set: Telegram now posts updates to {url}")
    if settings.telegram_mode != "webhook":
        print("Note: TELEGRAM_MODE is not 'webhook'; set it so `linzhu serve` takes them.")
    return 0


def cmd_delete_webhook(args: argparse.Namespace) -> int:
    settings = _settings()

    async def run(bot: Any) -> None:
        await bot.delete_webhook(drop_pending_updates=args.drop_pending or None)

    _run(settings, run)
    print("Webhook deleted: updates wait for getUpdates (TELEGRAM_MODE=polling).")
    return 0


def cmd_set_commands(args: argparse.Namespace) -> int:
    from bot.channels.telegram.commands import set_commands
    from bot.handlers.routes import build_routes
    from bot.i18n import load_catalogs

    settings = _settings()
    load_catalogs(settings.locales_dir)
    available = build_routes().commands.keys()
    done: list[str] = []

    async def run(bot: Any) -> None:
        done.extend(await set_commands(bot, settings.default_locale, available))

    _run(settings, run)
    print("Command menu set for: " + ", ".join(code or "default" for code in done))
    return 0


def _allowed_updates() -> list[str]:
    from bot.channels.telegram.adapter import ALLOWED_UPDATES

    return ALLOWED_UPDATES


def _run(settings: Settings, action: Any) -> None:
    from telegram.error import TelegramError

    from bot.channels.telegram import build_application

    async def main() -> None:
        application = build_application(settings)
        async with application.bot as bot:
            await action(bot)

    try:
        asyncio.run(main())
    except TelegramError as exc:
        print(f"linzhu: Telegram refused: {exc.message}", file=sys.stderr)
        raise SystemExit(1) from exc
