"""`linzhu doctor` as a real subprocess, against the fake Bot API and the fake WeChat API, on
SQLite and PostgreSQL: ✓ everywhere and exit 0 when all is well; ✗ with the fix and exit 1."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.ops.health import migration_head
from bot.store.db import Database
from fakes.telegram import TOKEN, FakeTelegram
from fakes.wechat import APP_ID, APP_SECRET, FakeWeChat, running
from tests.paths import ROOT

HOOK = "https://linzhu.example.org/telegram/webhook"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def wechat() -> AsyncIterator[FakeWeChat]:
    async with running(FakeWeChat()) as fake:
        yield fake


async def doctor(
    tmp_path: Path,
    db_url: tuple[str, str | None],
    telegram: FakeTelegram,
    wechat: FakeWeChat,
    **env: str,
) -> tuple[int, str]:
    url, schema = db_url
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": telegram.url,
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": HOOK,
        "TELEGRAM_WEBHOOK_SECRET": "hook-secret-123",
        "WECHAT_TOKEN": "wechattoken",
        "WECHAT_APP_ID": APP_ID,
        "WECHAT_APP_SECRET": APP_SECRET,
        "WECHAT_API_URL": wechat.url,
        **({"DATABASE_SCHEMA": schema} if schema else {}),
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "doctor",
        cwd=tmp_path, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_all_well(
    tmp_path: Path,
    db: Database,
    db_url: tuple[str, str | None],
    telegram: FakeTelegram,
    wechat: FakeWeChat,
) -> None:
    telegram.webhook = {"url": HOOK, "secret_token": "hook-secret-123"}
    code, out = await doctor(tmp_path, db_url, telegram, wechat)
    assert code == 0, out
    for line in (
        "✓ settings load",
        "✓ database reachable",
        "✓ database migrated to head",
        "✓ translation catalogs compiled and current",
        "✓ FAQ valid",
        "✓ disk:",
        f"✓ Telegram webhook {HOOK}",
        f"✓ WeChat: access token fetched for {APP_ID}",
        "All checks passed.",
    ):
        assert line in out, out
    assert "✗" not in out
    assert telegram.calls_to("getWebhookInfo")
    assert wechat.stable_fetches == 1


async def test_problems_are_named_with_their_fix(
    tmp_path: Path,
    db: Database,
    db_url: tuple[str, str | None],
    telegram: FakeTelegram,
    wechat: FakeWeChat,
) -> None:
    telegram.webhook = {"url": "https://old.example.org/hook"}
    wechat.secret = "rotated-secret"
    code, out = await doctor(tmp_path, db_url, telegram, wechat)
    assert code == 1
    assert (
        f"✗ Telegram webhook is https://old.example.org/hook, TELEGRAM_WEBHOOK_URL is {HOOK}"
        in (out)
    )
    assert "fix: run `linzhu telegram set-webhook`" in out
    assert "✗ WeChat refused an access token" in out and "WECHAT_APP_SECRET" in out
    assert "✓ database migrated to head" in out  # the rest is still checked

    telegram.webhook = {"url": HOOK}
    telegram.webhook_error = "Wrong response from the webhook: 403 Forbidden"
    code, out = await doctor(tmp_path, db_url, telegram, wechat)
    assert code == 1
    assert "last delivery failed: Wrong response from the webhook: 403 Forbidden" in out
    assert "it sends TELEGRAM_WEBHOOK_SECRET again" in out

    telegram.webhook_error = None
    code, out = await doctor(tmp_path, db_url, telegram, wechat, TELEGRAM_MODE="polling")
    assert "✗ Telegram: a webhook is set" in out and "delete-webhook" in out


async def test_a_database_behind_and_a_bad_setting(
    tmp_path: Path,
    db: Database,
    db_url: tuple[str, str | None],
    telegram: FakeTelegram,
    wechat: FakeWeChat,
) -> None:
    telegram.webhook = {"url": HOOK}
    async with db.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0017'"))
    try:
        code, out = await doctor(tmp_path, db_url, telegram, wechat)
    finally:  # PostgreSQL's schema is shared by the session's tests
        async with db.engine.begin() as conn:
            await conn.execute(
                text("UPDATE alembic_version SET version_num = :v"), {"v": migration_head()}
            )
    assert code == 1
    assert f"✗ database at migration 0017, code at {migration_head()}" in out
    assert "fix: run `linzhu db upgrade`" in out

    code, out = await doctor(tmp_path, db_url, telegram, wechat, PORT="http")
    assert code == 1
    assert "✗ settings: Invalid setting(s): PORT" in out
