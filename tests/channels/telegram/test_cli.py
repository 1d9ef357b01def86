"""`linzhu telegram …` against the fake Bot API, as a real subprocess; and the settings."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.telegram import telegram_component
from bot.channels.telegram.commands import LANGUAGE_CODES
from bot.config import SettingsError, load_settings
from bot.core.dispatcher import Dispatcher
from bot.runtime import channel_factories
from fakes.telegram import TOKEN, FakeTelegram
from tests.paths import ROOT


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


async def linzhu(tmp_path: Path, fake: FakeTelegram, *args: str, **env: str) -> tuple[int, str]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.url,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "telegram",
        *args,
        cwd=tmp_path,  # no stray .env
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_set_and_delete_webhook(tmp_path: Path, fake: FakeTelegram) -> None:
    code, out = await linzhu(
        tmp_path,
        fake,
        "set-webhook",
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_URL="https://linzhu.example.org/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET="s3cret-token",
    )
    assert code == 0, out
    assert fake.webhook is not None
    assert fake.webhook["url"] == "https://linzhu.example.org/telegram/webhook"
    assert fake.webhook["secret_token"] == "s3cret-token"
    assert fake.webhook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    code, out = await linzhu(tmp_path, fake, "delete-webhook", "--drop-pending")
    assert code == 0, out
    assert fake.webhook is None
    assert fake.calls_to("deleteWebhook")[-1].params["drop_pending_updates"] is True


async def test_set_webhook_needs_url_and_secret(tmp_path: Path, fake: FakeTelegram) -> None:
    code, out = await linzhu(tmp_path, fake, "set-webhook")
    assert code == 2 and "TELEGRAM_WEBHOOK_URL" in out
    code, out = await linzhu(
        tmp_path, fake, "set-webhook", "--url", "https://example.org/telegram/webhook"
    )
    assert code == 2 and "TELEGRAM_WEBHOOK_SECRET" in out
    assert fake.webhook is None


async def test_set_commands(tmp_path: Path, fake: FakeTelegram) -> None:
    code, out = await linzhu(tmp_path, fake, "set-commands")
    assert code == 0, out
    assert set(fake.commands) == {"", *LANGUAGE_CODES.values()}
    assert "default, en, zh, ja" in out


async def test_wrong_token_is_a_clear_error(tmp_path: Path, fake: FakeTelegram) -> None:
    code, out = await linzhu(
        tmp_path, fake, "delete-webhook", TELEGRAM_BOT_TOKEN="999:not-the-right-token-at-all"
    )
    assert code == 1 and "Telegram refused" in out


def test_settings_validation() -> None:
    base = {"_env_file": None}
    with pytest.raises(SettingsError, match=r"TELEGRAM_WEBHOOK_SECRET: .*required"):
        load_settings(telegram_bot_token=TOKEN, telegram_mode="webhook", **base)
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        load_settings(telegram_bot_token="nonsense", **base)
    with pytest.raises(SettingsError, match=r"TELEGRAM_WEBHOOK_URL: .*https"):
        load_settings(telegram_webhook_url="http://example.org/hook", **base)
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings(telegram_webhook_secret="has space", **base)
    ok = load_settings(
        telegram_bot_token=TOKEN,
        telegram_mode="webhook",
        telegram_webhook_secret="abc_DEF-1",
        telegram_api_url="http://127.0.0.1:8081/",
        **base,
    )
    assert ok.telegram_api_url == "http://127.0.0.1:8081"
    assert "TEST" not in repr(ok)  # the token is a secret
    assert load_settings(telegram_bot_token="", **base).telegram_bot_token is None


def test_serve_starts_telegram_only_with_a_token(dispatcher: Dispatcher) -> None:
    assert dispatcher.services.settings.telegram_bot_token is None
    assert telegram_component in channel_factories()
    assert telegram_component(dispatcher) is None


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_linzhu_serve_is_a_telegram_bot(
    tmp_path: Path, fake: FakeTelegram, mode: str
) -> None:
    """`linzhu serve` with a token answers Telegram users, then stops cleanly on SIGTERM."""
    import socket

    import aiohttp

    from bot.store.migrate import upgrade

    db_url = f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}"
    await asyncio.to_thread(upgrade, db_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": db_url,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.url,
        "TELEGRAM_MODE": mode,
        "TELEGRAM_WEBHOOK_SECRET": "serve-secret",
        "TELEGRAM_POLL_TIMEOUT": "2",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--port",
        str(port),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await fake.wait_until(lambda: len(fake.commands) == 9, within=30)
        update = fake.message_update(900, "/start", language_code="ko")
        if mode == "polling":
            fake.push(update)
        else:
            async with aiohttp.ClientSession() as session:
                url = f"http://127.0.0.1:{port}/telegram/webhook"
                headers = {"X-Telegram-Bot-Api-Secret-Token": "serve-secret"}
                async with session.post(url, json=update, headers=headers) as resp:
                    assert resp.status == 200
        await fake.wait_until(lambda: len(fake.chat_log[900]) == 1, within=20)
        assert "Linzhu" in (fake.chat_log[900][0].text or "")
    finally:
        if process.returncode is None:
            process.terminate()
        out, _ = await process.communicate()
    assert process.returncode == 0, out.decode()
    assert "started telegram" in out.decode()
