"""The official-account menu: loaded from wechat/menu.yaml, checked, built per language.

WeChat's limits: 3 buttons, 5 sub-buttons each, labels of 16 bytes (top) and 60 bytes
(sub), CLICK keys of 128 bytes. Conditional menus match WeChat's client language
(`matchrule.language`), which distinguishes these of our locales.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.i18n.locales import LOCALES

# Our locale → the client languages WeChat reports for it.
WECHAT_LANGUAGES: dict[str, tuple[str, ...]] = {
    "zh_Hans": ("zh_CN",),
    "zh_Hant": ("zh_TW", "zh_HK"),
    "en": ("en",),
    "ja": ("ja",),
    "ko": ("ko",),
    "fr": ("fr",),
    "de": ("de",),
    "es": ("es",),
    "ru": ("ru",),
}
TOP_NAME_BYTES, SUB_NAME_BYTES, KEY_BYTES = 16, 60, 128


class MenuError(Exception):
    """The menu file has problems; the message lists every one."""


class Menu:
    def __init__(self, raw: dict[str, Any], source: str) -> None:
        self.source = source
        self.buttons: list[dict[str, Any]] = raw["buttons"]
        self.language_menus = bool(raw.get("language_menus", False))
        self.default_locale = str(raw.get("default_locale", "en"))

    def build(self, locale: str | None = None) -> dict[str, Any]:
        """The body of menu/create (locale None: the default menu) or menu/addconditional."""
        return {"button": [self._button(b, locale) for b in self.buttons]}

    def conditional(self) -> list[tuple[str, dict[str, Any]]]:
        """(WeChat language, body) for every conditional menu."""
        menus = []
        for locale, languages in WECHAT_LANGUAGES.items():
            for language in languages:
                body = self.build(locale)
                body["matchrule"] = {"language": language}
                menus.append((language, body))
        return menus

    def _button(self, button: dict[str, Any], locale: str | None) -> dict[str, Any]:
        names = button["name"]
        name = names.get(locale or "default") or names[self.default_locale]
        out: dict[str, Any] = {"name": name}
        if "sub_button" in button:
            out["sub_button"] = [self._button(sub, locale) for sub in button["sub_button"]]
        elif "url" in button:
            out |= {"type": "view", "url": button["url"]}
        else:
            out |= {"type": "click", "key": button["key"]}
        return out


def load_menu(path: Path) -> Menu:
    """Read and check the menu file; MenuError lists every problem with its place."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MenuError(f"{path}: {exc}") from exc
    problems: list[str] = []
    if not isinstance(raw, dict) or not isinstance(raw.get("buttons"), list):
        raise MenuError(f"{path}: needs a list `buttons`")
    if raw.get("default_locale", "en") not in LOCALES:
        problems.append(f"default_locale must be one of {', '.join(LOCALES)}")
    buttons = raw["buttons"]
    if not 1 <= len(buttons) <= 3:
        problems.append(f"buttons: {len(buttons)} given, WeChat allows 1 to 3")
    for i, button in enumerate(buttons, start=1):
        _check(button, f"buttons[{i}]", TOP_NAME_BYTES, problems, top=True)
    if problems:
        raise MenuError(f"{path}:\n  " + "\n  ".join(problems))
    return Menu(raw, str(path))


def _check(button: Any, where: str, limit: int, problems: list[str], top: bool) -> None:
    if not isinstance(button, dict):
        problems.append(f"{where}: must be a mapping")
        return
    names = button.get("name")
    if not isinstance(names, dict) or not names:
        problems.append(f"{where}: `name` must map locales to labels")
    else:
        for locale in LOCALES:
            if not names.get(locale):
                problems.append(f"{where}.name: no label for {locale}")
        for locale, label in names.items():
            if locale != "default" and locale not in LOCALES:
                problems.append(f"{where}.name: unknown locale {locale!r}")
            elif len(str(label).encode()) > limit:
                problems.append(
                    f"{where}.name.{locale}: {label!r} is {len(str(label).encode())} bytes "
                    f"(WeChat allows {limit})"
                )
    kinds = [k for k in ("key", "url", "sub_button") if k in button]
    if len(kinds) != 1:
        problems.append(f"{where}: needs exactly one of key, url, sub_button")
        return
    if "sub_button" in button:
        subs = button["sub_button"]
        if not top:
            problems.append(f"{where}: sub-buttons cannot have sub-buttons")
        elif not isinstance(subs, list) or not 1 <= len(subs) <= 5:
            problems.append(f"{where}.sub_button: WeChat allows 1 to 5")
        else:
            for j, sub in enumerate(subs, start=1):
                _check(sub, f"{where}.sub_button[{j}]", SUB_NAME_BYTES, problems, top=False)
    elif "key" in button:
        key = str(button["key"])
        if not key.isascii() or not 0 < len(key) <= KEY_BYTES or " " in key:
            problems.append(f"{where}.key: {key!r} must be ASCII without spaces, ≤128 bytes")
    elif not str(button["url"]).startswith(("https://", "http://")):
        problems.append(f"{where}.url: must start with https://")
