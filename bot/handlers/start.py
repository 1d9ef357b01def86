"""/start, /help, /language, the main menu, and what every conversation falls back on:
unknown commands, expired buttons, empty messages, a language Linzhu does not speak, an
internal error, and the one-tap offer to switch language."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Literal

from bot.core.payloads import OneOf, Payload
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.i18n import LOCALES, NATIVE_NAMES, _
from bot.services import Ctx

router = Router("start")

LocaleCode = OneOf(*LOCALES)


@dataclass(frozen=True)
class LanguageMenu(Payload, prefix="lang:menu"):
    pass


@dataclass(frozen=True)
class SetLanguage(Payload, prefix="lang:set"):
    locale: Annotated[str, LocaleCode]


@dataclass(frozen=True)
class Menu(Payload, prefix="menu"):
    item: Literal["main", "ask"] = "main"


def main_menu() -> list[Button]:
    """The areas Linzhu helps with; each payload is handled by its area's module."""
    return [
        Button(_("Ask a question"), Menu("ask").encode()),
        Button(_("School enrolment"), "school:start"),
        Button(_("Medical help"), "medical:start"),
        Button(_("Events"), "events:list"),
        Button(_("Book a consultation"), "book:start"),
        Button(_("Language"), LanguageMenu().encode()),
        Button(_("Talk to a person"), "handoff:start"),
    ]


def language_menu_reply(text: str) -> Reply:
    """The nine languages as buttons, each label in its own language."""
    return Reply.of(
        text, [Button(name, SetLanguage(code).encode()) for code, name in NATIVE_NAMES.items()]
    )


def help_text() -> str:
    return "\n".join(
        [
            _("*How I can help*"),
            _("Just type your question in your own language, or use these commands:"),
            _("/start – the main menu"),
            _("/help – this help"),
            _("/language – choose the language I speak"),
            _("/school – school enrolment guide"),
            _("/medical – finding a doctor in your language"),
            _("/events – upcoming events and sign-up"),
            _("/myevents – the events you signed up for"),
            _("/reminders – turn event reminders on or off"),
            _("/book – book a one-to-one consultation"),
            _("/human – talk to a member of staff now"),
            _("/mybookings – your consultations"),
            _("/privacy – what I store about you"),
        ]
    )


def welcome() -> list[Reply]:
    text = _(
        "Hello! I'm *Linzhu* (邻助), the assistant of the Hongqiao international residents' "
        "services at the Gubei Citizen Centre.\n"
        "Ask me anything about school enrolment, doctors, events or daily life in Shanghai, "
        "in your own language."
    )
    return [Reply.of(text, main_menu())]


@router.command("start", "menu")
async def start(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return welcome()


@router.command("help")
async def help_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return [Reply.of(help_text(), main_menu())]


@router.command("language", "lang")
async def language(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return [language_menu_reply(_("Which language should I use?"))]


@router.payload(LanguageMenu)
async def language_button(incoming: Incoming, ctx: Ctx, tap: LanguageMenu) -> list[Reply]:
    return [language_menu_reply(_("Which language should I use?"))]


@router.payload(SetLanguage)
async def set_language(incoming: Incoming, ctx: Ctx, tap: SetLanguage) -> list[Reply]:
    ctx.set_locale(tap.locale, "explicit")
    return [
        Reply.of(
            _("Done! I'll speak {language} from now on.").format(language=NATIVE_NAMES[tap.locale]),
            main_menu(),
        )
    ]


@router.payload(Menu)
async def menu_button(incoming: Incoming, ctx: Ctx, tap: Menu) -> list[Reply]:
    if tap.item == "ask":
        return [Reply(_("Just type your question, in your own words and your own language."))]
    return welcome()


@router.unknown_command
async def unknown_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return [
        Reply.of(
            _("I don't know the command /{command}.").format(command=incoming.command)
            + "\n\n"
            + help_text(),
            main_menu(),
        )
    ]


@router.expired_payload
async def expired_payload(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return [Reply.of(_("That button is no longer valid. Here is the main menu:"), main_menu())]


@router.empty_text
async def empty_text(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return [Reply(_("I didn't receive any text. Please type your question."))]


@router.not_private
async def not_private(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    """A resident's own bookings, events or data asked for in a group, where others read."""
    return [
        Reply(
            _(
                "Please use a private chat with me for this: it shows your personal details, "
                "and everyone in this group would see them."
            )
        )
    ]


@router.on_error
def internal_error(ctx: Ctx) -> list[Reply]:
    return [Reply(_("Sorry, something went wrong on my side. Please try again in a moment."))]


@router.guard
async def unsupported_language(incoming: Incoming, ctx: Ctx) -> list[Reply] | None:
    """A message in a language Linzhu does not speak, outside any flow: the language menu."""
    if not ctx.choice.unsupported or ctx.state.flow:
        return None
    return [
        language_menu_reply(
            _("Sorry, I don't speak that language yet. I can help you in these languages:")
        )
    ]


@router.after
def offer_language_switch(replies: list[Reply], ctx: Ctx) -> list[Reply]:
    """Offer a one-tap switch when the message was clearly in another language."""
    target = ctx.choice.suggest_switch
    if not replies or not target or target == ctx.locale or ctx.new_locale:
        return replies
    switch = Button(
        _("Switch to {language}?").format(language=NATIVE_NAMES[target]),
        SetLanguage(target).encode(),
    )
    last = replies[-1]
    return [*replies[:-1], replace(last, buttons=(*last.buttons, switch))]
