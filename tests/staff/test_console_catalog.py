"""The console's own catalog (domain `console`): every string of its code and templates is
translated into Simplified Chinese with the same placeholders, and both languages render."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import load_settings
from tests.paths import ROOT

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def console_msgids() -> set[str]:
    found: set[str] = set()
    for _f, _l, message, _c, _ctx in extract_from_dir(
        str(ROOT / "bot" / "web" / "staff"),
        method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
        options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={"t": None, "lt": None, "tn": (1, 2), "_": None},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_console_catalog_is_complete() -> None:
    msgids = console_msgids()
    assert len(msgids) > 250
    with (ROOT / "locales" / "zh_Hans" / "LC_MESSAGES" / "console.po").open("rb") as fh:
        catalog = read_po(fh, locale="zh_Hans")
    by_id = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog if m.id}
    problems = [f"missing: {m!r}" for m in sorted(msgids - set(by_id))]
    for key in msgids & set(by_id):
        message = by_id[key]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {key!r}")
        elif any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(key)) for s in strings):
            problems.append(f"placeholders differ: {key!r}")
    assert not problems, "\n".join(problems[:30])
    write_mo(io.BytesIO(), catalog)


def test_console_strings_stay_out_of_the_residents_catalogs() -> None:
    """The console has its own domain: none of its strings need the seven other locales."""
    with (ROOT / "locales" / "messages.pot").open("rb") as fh:
        residents = {m.id for m in read_po(fh) if m.id}
    assert "Staff console" not in residents and "Audit log" not in residents


def test_both_languages_render() -> None:
    from bot.web.staff import i18n

    i18n.load(load_settings(_env_file=None).locales_dir)
    with i18n.in_console_locale("zh_Hans"):
        assert i18n.t("Today") == "今日"
        assert i18n.tn("Too many failed logins. Try again in %(n)d minute.",
                       "Too many failed logins. Try again in %(n)d minutes.", 3) % {"n": 3} == (
            "登录失败次数过多，请 3 分钟后再试。")  # fmt: skip
    with i18n.in_console_locale("en"):
        assert i18n.t("Today") == "Today"


def test_a_missing_console_catalog_stops_start_up(tmp_path: Path) -> None:
    import pytest

    from bot.i18n.translation import CatalogError
    from bot.web.staff import i18n

    with pytest.raises(CatalogError, match="console"):
        i18n.load(tmp_path)
