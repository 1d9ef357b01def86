import pytest

from bot.config import SettingsError, load_settings


def test_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(SettingsError, match="PORT"):
        load_settings(_env_file=None)


def test_unknown_default_locale_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LOCALE", "it")
    with pytest.raises(SettingsError, match="DEFAULT_LOCALE"):
        load_settings(_env_file=None)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
    ],
)
def test_database_url_gets_async_driver(given: str, expected: str) -> None:
    assert load_settings(database_url=given, _env_file=None).database_url == expected


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings(database_url="mysql://x/y", _env_file=None)


def test_cli_reports_bad_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.main import main
    from bot.config import get_settings

    get_settings.cache_clear()
    monkeypatch.setenv("DATABASE_POOL_SIZE", "0")
    try:
        assert main(["db", "upgrade"]) == 2
    finally:
        get_settings.cache_clear()
    assert "DATABASE_POOL_SIZE" in capsys.readouterr().err
