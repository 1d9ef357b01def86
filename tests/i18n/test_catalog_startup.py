"""Start-up refuses missing or outdated catalogs with a clear message, instead of answering
every resident in English (issue 16, finding 11)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.app import build_dispatcher
from bot.config import Settings, load_settings
from bot.i18n import CatalogError, require_catalogs
from bot.i18n.translation import PACKAGE_CATALOGS, SOURCE_CATALOGS, catalog_problems, load_catalogs


@pytest.fixture
def catalogs(tmp_path: Path) -> Path:
    """A copy of the compiled catalogs and their .po sources, as a checkout has them."""
    target = tmp_path / "locales"
    shutil.copytree(PACKAGE_CATALOGS, target)
    for po in SOURCE_CATALOGS.glob("*/LC_MESSAGES/messages.po"):
        shutil.copy2(po, target / po.relative_to(SOURCE_CATALOGS))
        mo = (target / po.relative_to(SOURCE_CATALOGS)).with_suffix(".mo")
        os.utime(mo, (po.stat().st_mtime + 10, po.stat().st_mtime + 10))
    yield target
    load_catalogs()  # the real ones again for the tests that follow


def test_the_real_catalogs_are_complete_and_current() -> None:
    assert catalog_problems() == []


def test_a_missing_catalog_stops_start_up_naming_it(catalogs: Path) -> None:
    (catalogs / "ja" / "LC_MESSAGES" / "messages.mo").unlink()
    with pytest.raises(CatalogError) as caught:
        require_catalogs(catalogs)
    message = str(caught.value)
    assert "ja: no compiled catalog" in message and "make compile" in message
    assert "ko" not in message


def test_a_catalog_older_than_its_po_stops_start_up(catalogs: Path) -> None:
    po = catalogs / "de" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    os.utime(po, (mo.stat().st_mtime + 60, mo.stat().st_mtime + 60))
    with pytest.raises(CatalogError, match=r"de: .* is older than"):
        require_catalogs(catalogs)


def test_build_dispatcher_refuses_to_start_without_catalogs(tmp_path: Path) -> None:
    settings: Settings = load_settings(locales_dir=tmp_path / "nothing", _env_file=None)
    with pytest.raises(CatalogError, match="zh_Hans: no compiled catalog"):
        build_dispatcher(settings)


def test_the_command_says_so_in_one_line_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.main import main
    from bot.config import get_settings

    monkeypatch.setenv("LOCALES_DIR", str(tmp_path / "nothing"))
    get_settings.cache_clear()
    try:
        assert main(["chat"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("linzhu: translation catalogs are missing") and "make compile" in err
