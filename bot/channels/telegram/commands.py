"""The command menu (setMyCommands) in each of the nine locales.

Telegram keys command lists by a two-letter ISO 639-1 `language_code`, so zh_Hans and
zh_Hant cannot both have one: "zh" gets Simplified Chinese (most Chinese readers in
Shanghai), and Traditional-Chinese users see that menu — their replies are still in
Traditional. The list without a language code (everyone else) is in DEFAULT_LOCALE.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from telegram import Bot, BotCommand

from bot.i18n import LOCALES, N_, _, use_locale

log = logging.getLogger(__name__)

# Commands a resident can use, in menu order, with their one-line descriptions (msgids).
COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Main menu")),
    ("help", N_("What I can do")),
    ("language", N_("Choose the language I speak")),
    ("school", N_("School enrolment guide")),
    ("medical", N_("Find a doctor in your language")),
    ("events", N_("Upcoming events and sign-up")),
    ("book", N_("Book a one-to-one consultation")),
    ("human", N_("Talk to a person")),
    ("mybookings", N_("Your consultations")),
    ("privacy", N_("What I store about you")),
)

# Our locale → Telegram's language_code; zh_Hant has none of its own (see above).
LANGUAGE_CODES: dict[str, str] = {
    "en": "en",
    "zh_Hans": "zh",
    "ja": "ja",
    "ko": "ko",
    "fr": "fr",
    "de": "de",
    "es": "es",
    "ru": "ru",
}
assert set(LANGUAGE_CODES) <= set(LOCALES)


def command_list(locale: str, available: Collection[str] | None = None) -> list[BotCommand]:
    """The menu in `locale`, limited to commands the router actually handles."""
    with use_locale(locale):
        return [
            BotCommand(name, _(description)[:256])
            for name, description in COMMANDS
            if available is None or name in available
        ]


async def set_commands(
    bot: Bot, default_locale: str, available: Collection[str] | None = None
) -> list[str]:
    """Set the default menu and one per language code; returns the codes set ("" = default)."""
    done: list[str] = []
    await bot.set_my_commands(command_list(default_locale, available))
    done.append("")
    for locale, code in LANGUAGE_CODES.items():
        await bot.set_my_commands(command_list(locale, available), language_code=code)
        done.append(code)
    log.info("telegram command menu set for %s", ", ".join(c or "default" for c in done))
    return done
