"""Every interface string is translated in all eight non-English catalogs, correctly.

Strings are extracted from the code the same way `make extract` does, so a string added
without `make update` + translation fails here, as does a fuzzy entry, a placeholder that
differs from the msgid's, or a catalog that does not compile.
"""

from __future__ import annotations

import io
import re

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n.locales import LOCALES
from tests.paths import ROOT

KEYWORDS = {
    "_": None,
    "gettext": None,
    "lazy_gettext": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "api_error": (3,),  # the web chat API's error messages (bot/channels/webchat/api.py)
}
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")


def source_msgids() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "bot"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def load(locale: str) -> Catalog:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


@pytest.fixture(scope="module")
def msgids() -> set[str]:
    return source_msgids()


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc != "en"])
def test_catalog_is_complete_and_consistent(locale: str, msgids: set[str]) -> None:
    catalog = load(locale)
    problems: list[str] = []
    by_id = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog if m.id}
    for msgid in sorted(msgids - set(by_id)):
        problems.append(f"missing: {msgid!r}")
    for key, message in by_id.items():
        if key not in msgids:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strs):
            problems.append(f"untranslated: {key!r}")
            continue
        if isinstance(message.id, tuple) and len(strs) != catalog.num_plurals:
            problems.append(f"{len(strs)} plural forms, {catalog.num_plurals} expected: {key!r}")
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strs:
            got = set(PLACEHOLDER.findall(text))
            if got - expected or (not isinstance(message.id, tuple) and got != expected):
                problems.append(f"placeholders {sorted(got)} != {sorted(expected)}: {key!r}")
    assert not problems, f"{locale}: {len(problems)} problem(s):\n" + "\n".join(problems[:40])
    write_mo(io.BytesIO(), catalog)  # compiles


def test_commands_for_sample_locale_come_back_translated() -> None:
    """The compiled catalogs are what the running code reads."""
    from bot.i18n import _, load_catalogs, use_locale

    load_catalogs()
    with use_locale("de"):
        assert _("Send") != "Send"
    with use_locale("en"):
        assert _("Send") == "Send"
