"""`linzhu doctor`: one line per check, ✓ or ✗ with the fix; exit code 1 when any ✗.

Checks: the settings load; the database answers and is at this code's migration head; the
compiled catalogs are there and current; the FAQ (and directories, phrase cards) validate
as `linzhu faq check` does; the disk has room; Telegram's webhook (getWebhookInfo) points
at TELEGRAM_WEBHOOK_URL, with no delivery error (Telegram never shows the secret back: a
wrong secret shows as our 403 in its last error), or no webhook at all in polling mode; a
WeChat access token can be fetched with the configured AppID and AppSecret.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.config import Settings, SettingsError
from bot.i18n.translation import catalog_problems
from bot.ops.health import migration_head
from bot.store.db import Database

MIN_FREE_BYTES = 1 << 30  # 1 GiB
MIN_FREE_SHARE = 0.05


@dataclass(frozen=True)
class Check:
    ok: bool | None  # None: not configured, not checked
    what: str
    fix: str = ""

    def line(self) -> str:
        mark = {True: "✓", False: "✗", None: "-"}[self.ok]
        return f"{mark} {self.what}" + (
            f"\n    fix: {self.fix}" if self.fix and not self.ok else ""
        )


async def check_database(settings: Settings) -> list[Check]:
    db = Database(settings.database_url, pool_size=1, schema=settings.database_schema)
    try:
        reachable, _ = await db.probe("SELECT 1")
        if not reachable:
            return [
                Check(
                    False,
                    "database not reachable",
                    "check DATABASE_URL, that the server runs and accepts this user",
                )
            ]
        _, level = await db.probe("SELECT version_num FROM alembic_version")
    finally:
        await db.dispose()
    head = migration_head()
    where = "PostgreSQL" if settings.is_postgres else "SQLite"
    checks = [Check(True, f"database reachable ({where})")]
    if level == head:
        checks.append(Check(True, f"database migrated to head ({head})"))
    else:
        checks.append(
            Check(
                False,
                f"database at migration {level or 'none'}, code at {head}",
                "run `linzhu db upgrade`",
            )
        )
    return checks


def check_catalogs(settings: Settings) -> Check:
    problems = catalog_problems(settings.locales_dir)
    if not problems:
        return Check(True, "translation catalogs compiled and current")
    return Check(False, "catalogs: " + "; ".join(problems), "run `make compile` (or reinstall)")


def check_faq(settings: Settings) -> Check:
    from bot.cli.guided import check_content
    from bot.knowledge.loader import load_faq

    result = load_faq(settings.faq_dir)
    problems = [str(p) for p in result.problems] + check_content(settings.faq_dir)
    if not problems:
        return Check(True, f"FAQ valid ({len(result.entries)} entries in {settings.faq_dir})")
    shown = "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)" if len(problems) > 3 else "")
    return Check(False, f"FAQ: {len(problems)} problem(s): {shown}", "run `linzhu faq check`")


def data_dir(settings: Settings) -> Path:
    if settings.is_postgres:
        return settings.run_dir
    return Path(settings.database_url.split(":///", 1)[1]).parent


def check_disk(settings: Settings) -> Check:
    path = data_dir(settings)
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    free_gb = usage.free / (1 << 30)
    ok = usage.free >= MIN_FREE_BYTES and usage.free >= MIN_FREE_SHARE * usage.total
    return Check(
        ok,
        f"disk: {free_gb:.1f} GiB free of {usage.total / (1 << 30):.1f} GiB at {path}",
        "free space (old backups, logs) or move the data: under 1 GiB or 5% free",
    )


async def check_telegram(settings: Settings) -> Check:
    if settings.telegram_bot_token is None:
        return Check(None, "Telegram: not configured (TELEGRAM_BOT_TOKEN empty)")
    from telegram.error import TelegramError

    from bot.channels.telegram import build_application

    try:
        async with build_application(settings).bot as bot:
            info = await bot.get_webhook_info()
    except TelegramError as exc:
        return Check(
            False,
            f"Telegram refused getWebhookInfo: {exc.message}",
            "check TELEGRAM_BOT_TOKEN (from @BotFather) and TELEGRAM_API_URL",
        )
    if settings.telegram_mode == "polling":
        if info.url:
            return Check(
                False,
                f"Telegram: a webhook is set ({info.url}) but TELEGRAM_MODE=polling",
                "run `linzhu telegram delete-webhook`, or set TELEGRAM_MODE=webhook",
            )
        return Check(True, "Telegram: polling, no webhook set")
    wanted = settings.telegram_webhook_url
    if info.url != wanted:
        return Check(
            False,
            f"Telegram webhook is {info.url or 'not set'}, TELEGRAM_WEBHOOK_URL is {wanted}",
            "run `linzhu telegram set-webhook`",
        )
    error = info.last_error_message
    if error:
        secret = "401" in error or "403" in error
        return Check(
            False,
            f"Telegram webhook {wanted}: last delivery failed: {error}",
            "run `linzhu telegram set-webhook` (it sends TELEGRAM_WEBHOOK_SECRET again)"
            if secret
            else "check the reverse proxy routes the webhook path to `linzhu serve`",
        )
    pending = info.pending_update_count
    return Check(True, f"Telegram webhook {wanted} (secret set, {pending} update(s) pending)")


async def check_wechat(settings: Settings) -> Check:
    if not settings.wechat_token:
        return Check(None, "WeChat: not configured (WECHAT_TOKEN empty)")
    if not settings.wechat_app_id or settings.wechat_app_secret is None:
        return Check(
            False,
            "WeChat: WECHAT_APP_ID / WECHAT_APP_SECRET missing (no customer-service replies)",
            "copy them from the official account's Basic configuration page",
        )
    from bot.channels.wechat.api import WeChatApi, WeChatError

    db = Database(settings.database_url, pool_size=1, schema=settings.database_schema)
    api = WeChatApi(settings, db)
    try:
        await api.fetch_token(force=False)  # the stable token: no live token is replaced
    except WeChatError as exc:
        return Check(
            False,
            f"WeChat refused an access token: {exc}",
            "check WECHAT_APP_ID and WECHAT_APP_SECRET, and that this server's IP is on the "
            "account's IP whitelist",
        )
    except Exception as exc:
        return Check(
            False, f"WeChat API not reachable: {exc!r}", "check WECHAT_API_URL and the network"
        )
    finally:
        await api.close()
        await db.dispose()
    return Check(True, f"WeChat: access token fetched for {settings.wechat_app_id}")


async def diagnose(settings: Settings) -> list[Check]:
    checks = [Check(True, "settings load")]
    try:
        checks += await check_database(settings)
    except Exception as exc:
        checks.append(Check(False, f"database: {exc!r}", "check DATABASE_URL"))
    checks.append(check_catalogs(settings))
    checks.append(check_faq(settings))
    checks.append(check_disk(settings))
    checks.append(await check_telegram(settings))
    checks.append(await check_wechat(settings))
    return checks


async def run_doctor(load: Callable[[], Settings], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        settings = load()
    except SettingsError as exc:
        print(f"✗ settings: {exc}\n    fix: correct the variable named in .env or the "
              "environment (see .env.example)", file=out)  # fmt: skip
        return 1
    checks = await diagnose(settings)
    for check in checks:
        print(check.line(), file=out)
    failed = [c for c in checks if c.ok is False]
    print(f"{len(failed)} problem(s)." if failed else "All checks passed.", file=out)
    return 1 if failed else 0
