"""/start, /help, /language and the main menu."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.dispatcher import language_menu_reply
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.i18n import NATIVE_NAMES, _

router = Router("start")


def main_menu() -> list[Button]:
    """The areas Linzhu helps with; each payload is handled by its area's module."""
    return [
        Button(_("Ask a question"), "menu:ask"),
        Button(_("School enrolment"), "school:start"),
        Button(_("Medical help"), "medical:start"),
        Button(_("Events"), "events:list"),
        Button(_("Book a consultation"), "book:start"),
        Button(_("Language"), "lang:menu"),
    ]


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
            _("/mybookings – your consultations"),
            _("/privacy – what I store about you"),
        ]
    )


@router.command("start", "menu")
async def start(incoming: Incoming, ctx: Context) -> list[Reply]:
    text = _(
        "Hello! I'm *Linzhu* (邻助), the assistant of the Hongqiao international residents' "
        "services at the Gubei Citizen Centre.\n"
        "Ask me anything about school enrolment, doctors, events or daily life in Shanghai, "
        "in your own language."
    )
    return [Reply.of(text, main_menu())]


@router.command("help")
async def help_command(incoming: Incoming, ctx: Context) -> list[Reply]:
    return [Reply.of(help_text(), main_menu())]


@router.command("language", "lang")
async def language(incoming: Incoming, ctx: Context) -> list[Reply]:
    return [language_menu_reply(_("Which language should I use?"))]


@router.payload("lang:menu")
async def language_button(incoming: Incoming, ctx: Context) -> list[Reply]:
    return await language(incoming, ctx)


@router.payload("lang:set")
async def set_language(incoming: Incoming, ctx: Context) -> list[Reply]:
    code = (incoming.payload or "").split(":")[-1]
    if code not in NATIVE_NAMES:
        return [language_menu_reply(_("I don't know that language. Please choose one of these:"))]
    ctx.set_locale(code, "explicit")
    return [
        Reply.of(
            _("Done! I'll speak {language} from now on.").format(language=NATIVE_NAMES[code]),
            main_menu(),
        )
    ]


@router.payload("menu")
async def menu_button(incoming: Incoming, ctx: Context) -> list[Reply]:
    if incoming.payload == "menu:ask":
        return [Reply(_("Just type your question, in your own words and your own language."))]
    return await start(incoming, ctx)


@router.unknown_command
async def unknown_command(incoming: Incoming, ctx: Context) -> list[Reply]:
    return [
        Reply.of(
            _("I don't know the command /{command}.").format(command=incoming.command)
            + "\n\n"
            + help_text(),
            main_menu(),
        )
    ]


@router.unknown_payload
async def unknown_payload(incoming: Incoming, ctx: Context) -> list[Reply]:
    return [Reply.of(_("That button is no longer valid. Here is the main menu:"), main_menu())]
