"""The emergency reply: one self-contained message, the number to call in its first line.

Then the other numbers, two or three things to do now for that kind, any line staff have
confirmed (faq/emergency/extras.yaml), and the Chinese card to show a bystander or read to
the dispatcher, with a blank (or the resident's address) for where help should come.
Numbers are phone markup (bot/core/markup.py): a tel: link on the web page, the plain
number elsewhere. A message in a language Linzhu does not speak gets the reply in English
and Chinese. Every button's payload starts with `emergency:`.
"""

from __future__ import annotations

from bot.core.markup import phone
from bot.core.types import Button, Reply
from bot.guided.emergency.advice import SERVICE_NAMES, steps_for
from bot.guided.emergency.kinds import ADDRESS_BLANK, GENERAL, SERVICES, Kind, kind_of
from bot.handlers.emergency.payloads import AddressCard, Answer, NotEmergency
from bot.i18n import N_, _, use_locale
from bot.knowledge import content
from bot.knowledge.emergency_extras import confirmed_for
from bot.services import Ctx

BILINGUAL = ("en", "zh_Hans")  # for a message in a language Linzhu does not speak


def reply_locales(ctx: Ctx) -> tuple[str, ...]:
    return BILINGUAL if ctx.choice.unsupported else (ctx.locale,)


def emergency_reply(ctx: Ctx, kind_id: str | None, address: str | None = None) -> Reply:
    """The whole reply for a kind (the general one when unknown)."""
    kind = kind_of(kind_id)
    locales = reply_locales(ctx)
    parts = []
    for locale in locales:
        with use_locale(locale):
            parts.append(_advice(ctx, kind, locale))
    with use_locale(locales[0]):
        card = _("*Show this card* to someone nearby, or read it out to the dispatcher:")
        text = "\n\n".join([*parts, card + "\n" + kind.card(address or ADDRESS_BLANK)])
        if address is not None:
            text += "\n\n" + _("I haven't kept your address.")
        if ctx.state.flow and ctx.state.flow != "emergency":
            text += "\n\n" + _("When you are safe, you can carry on where you left off.")
    buttons = [
        Button(_label(locales, N_("Put my address on the card")), AddressCard(kind.id).encode()),
        Button(_label(locales, N_("Not an emergency")), NotEmergency().encode()),
    ]
    return Reply.of(text, buttons)


def ask_reply(ctx: Ctx, kind_id: str | None) -> Reply:
    """ "Is someone in danger right now?" — with every number already in it."""
    locales = reply_locales(ctx)
    parts = []
    for locale in locales:
        with use_locale(locale):
            parts.append(
                _("⚠️ *Is someone in danger right now?*")
                + "\n"
                + _("If so, call now: {numbers}.").format(numbers=_numbers(SERVICES))
            )
    kind = kind_of(kind_id).id
    return Reply.of(
        "\n\n".join(parts),
        [
            Button(_label(locales, N_("Yes, someone is in danger")), Answer(kind, True).encode()),
            Button(_label(locales, N_("No")), Answer(kind, False).encode()),
        ],
    )


def calm_reply(ctx: Ctx) -> Reply:
    """The answer to "no, not an emergency"."""
    return Reply(
        "\n\n".join(
            _in(locale, N_("All right. If that changes, call at once: {numbers}.")).format(
                numbers=_numbers(SERVICES)
            )
            for locale in reply_locales(ctx)
        )
    )


def address_prompt(ctx: Ctx) -> Reply:
    return Reply(
        "\n\n".join(
            _in(
                locale,
                N_(
                    "Type the address where help should come, in Chinese if you can (your lease "
                    "or accommodation registration shows it). I only use it to make the card and "
                    "don't keep it."
                ),
            )
            for locale in reply_locales(ctx)
        )
    )


def _advice(ctx: Ctx, kind: Kind, locale: str) -> str:
    """Numbers first, then what to do now, in the current locale."""
    first = [f"*{phone(n)}* ({SERVICE_NAMES[n]})" for n in kind.services]
    if len(first) == 1:
        line = _("📞 Call {number} now").format(number=first[0])
    else:
        line = _("📞 Call {number} now, and {second}").format(number=first[0], second=first[1])
    others = [n for n in SERVICES if n not in kind.services]
    lines = [
        line,
        _("Also: {numbers}. Calls are free from any phone.").format(numbers=_numbers(others)),
        "",
        _("*Do this now:*"),
        *(f"• {step}" for step in steps_for(None if kind is GENERAL else kind.id)),
    ]
    extras = content.emergency_extras(ctx.services.settings.faq_dir)
    lines += [f"• {extra.render(locale)}" for extra in confirmed_for(extras, kind.id)]
    return "\n".join(lines)


def _numbers(numbers: tuple[str, ...] | list[str]) -> str:
    return " · ".join(f"{phone(n)} {SERVICE_NAMES[n]}" for n in numbers)


def _in(locale: str, msgid: str) -> str:
    with use_locale(locale):
        return _(msgid)


def _label(locales: tuple[str, ...], msgid: str) -> str:
    """A button label, in both languages of a bilingual reply."""
    return " / ".join(dict.fromkeys(_in(locale, msgid) for locale in locales))
