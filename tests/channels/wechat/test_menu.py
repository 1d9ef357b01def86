"""`linzhu wechat menu` against the fake WeChat server, and the menu file's checks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.wechat.menu import MenuError, load_menu
from bot.cli.main import main
from bot.config import PROJECT_ROOT, get_settings
from bot.store.db import Database
from fakes.wechat import APP_ID, APP_SECRET, FakeWeChat, running
from fakes.wechat_messages import TOKEN

MENU = PROJECT_ROOT / "wechat" / "menu.yaml"


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch, db: Database, db_url: tuple[str, str | None]
) -> Iterator[pytest.MonkeyPatch]:
    url, schema = db_url
    monkeypatch.setenv("DATABASE_URL", url)
    if schema:
        monkeypatch.setenv("DATABASE_SCHEMA", schema)
    monkeypatch.setenv("WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("WECHAT_APP_SECRET", APP_SECRET)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_the_shipped_menu_is_valid_in_every_locale() -> None:
    menu = load_menu(MENU)
    languages = [language for language, _ in menu.conditional()]
    assert languages == ["zh_CN", "zh_TW", "zh_HK", "en", "ja", "ko", "fr", "de", "es", "ru"]
    [zh] = [body for language, body in menu.conditional() if language == "zh_CN"]
    assert zh["button"][0] == {"name": "菜单", "type": "click", "key": "start"}
    assert zh["matchrule"] == {"language": "zh_CN"}


def test_menu_problems_are_all_reported(tmp_path: Path) -> None:
    bad = tmp_path / "menu.yaml"
    bad.write_text(
        "buttons:\n"
        "  - name: {default: 'A very long default label', en: 'x'}\n"
        "    key: 'has space'\n"
        "  - name: {en: 'y'}\n",
        encoding="utf-8",
    )
    with pytest.raises(MenuError) as caught:
        load_menu(bad)
    message = str(caught.value)
    assert "buttons[1].name.default" in message and "bytes" in message
    assert "buttons[1].key" in message
    assert "buttons[2]: needs exactly one of key, url, sub_button" in message
    assert "no label for ja" in message


async def test_publishing_with_language_menus(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running(FakeWeChat(language_rules_allowed=True)) as fake:
        env.setenv("WECHAT_API_URL", fake.url)
        assert await asyncio.to_thread(main, ["wechat", "menu"]) == 0
        assert await asyncio.to_thread(main, ["wechat", "menu"]) == 0  # re-run replaces
    assert fake.refused == []  # JSON unescaped, sizes within WeChat's limits
    assert len(fake.menus) == 1 and fake.menus[0]["button"][1]["name"] == "服务 Services"
    rules = [m["matchrule"]["language"] for m in fake.conditional]
    assert rules == ["zh_CN", "zh_TW", "zh_HK", "en", "ja", "ko", "fr", "de", "es", "ru"]
    ja = fake.conditional[rules.index("ja")]
    assert ja["button"][2]["sub_button"][1] == {"name": "言語", "type": "click", "key": "language"}
    assert "Published the menu for WeChat language ru." in capsys.readouterr().out


async def test_publishing_where_wechat_refuses_language_rules(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running(FakeWeChat()) as fake:
        env.setenv("WECHAT_API_URL", fake.url)
        assert await asyncio.to_thread(main, ["wechat", "menu"]) == 0
    assert len(fake.menus) == 1 and fake.conditional == []
    assert "65320" in capsys.readouterr().err


async def test_publishing_with_a_wrong_secret_fails_clearly(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running(FakeWeChat()) as fake:
        env.setenv("WECHAT_API_URL", fake.url)
        env.setenv("WECHAT_APP_SECRET", "wrong")
        assert await asyncio.to_thread(main, ["wechat", "menu"]) == 1
    assert "40125" in capsys.readouterr().err
    assert fake.menus == []
