"""The wheel is complete: every package, the static files, the guides' data, the migrations and
the compiled catalogs (built from the .po files by setup.py, not taken from git); installed on
its own, it upgrades a database and speaks every language.

Built without network (python -m build --no-isolation: the dev tools are the build tools),
through an sdist first, as a release would be, so MANIFEST.in is checked too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.i18n import LOCALES
from tests.paths import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (found,) = out.glob("linzhu-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    return target


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_the_wheel_has_every_package_and_data_file(wheel: Path) -> None:
    names = _names(wheel)
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "bot").rglob("__init__.py")}
    assert {p for p in packages if f"{p}/__init__.py" not in names} == set()
    for pattern in ("web/static/*", "guided/*.yaml", "store/migrations/versions/0*.py"):
        expected = {str(p.relative_to(ROOT)) for p in (ROOT / "bot").glob(pattern)}
        assert expected and expected <= names, pattern
    assert "bot/store/migrations/env.py" in names
    assert "bot/store/migrations/script.py.mako" in names


def test_the_wheel_has_compiled_catalogs_that_load(wheel: Path, tmp_path: Path) -> None:
    from babel.support import Translations

    with zipfile.ZipFile(wheel) as zf:
        for locale in LOCALES:
            if locale == "en":
                continue
            data = zf.read(f"bot/locales/{locale}/LC_MESSAGES/messages.mo")
            mo = tmp_path / f"{locale}.mo"
            mo.write_bytes(data)
            with mo.open("rb") as fh:
                catalog = Translations(fh, domain="messages")
            assert catalog.gettext("Send") != "Send", locale
        assert not any(n.endswith(".po") for n in zf.namelist())


def _run(installed: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(installed),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'linzhu.db'}",
    }
    return subprocess.run(
        [sys.executable, *args], cwd=tmp, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_installed_wheel_upgrades_a_database(installed: Path, tmp_path: Path) -> None:
    where = _run(installed, tmp_path, "-c", "import bot; print(bot.__file__)")
    assert where.stdout.strip().startswith(str(installed)), where.stdout + where.stderr
    done = _run(installed, tmp_path, "-m", "bot", "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert "Database is up to date." in done.stdout
    assert (tmp_path / "linzhu.db").stat().st_size > 0


def test_the_installed_wheel_finds_its_catalogs(installed: Path, tmp_path: Path) -> None:
    code = (
        "from bot.i18n import _, require_catalogs, use_locale\n"
        "require_catalogs()\n"
        "with use_locale('ja'):\n"
        "    print(_('Send'))\n"
    )
    done = _run(installed, tmp_path, "-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() not in {"", "Send"}
