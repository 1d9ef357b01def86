"""Small talk ("ok", "merci", "ありがとう", "are you a bot?"): a short friendly reply.

Recognised only where free text would otherwise go to the FAQ (bot/handlers/free_text.py):
a flow step that takes free text — a booking note, a sign-up answer, a birth date — gets the
message as it is, so a note "ok" stays a note. Small talk never changes the flow the resident
is in and is never filed as an unanswered question.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.core.types import Button, Incoming, Reply
from bot.guided.smalltalk import Kind, recognise
from bot.handlers.consultations.payloads import StartBooking
from bot.handlers.start import main_menu
from bot.i18n import _
from bot.services import Ctx


def small_talk(
    incoming: Incoming, ctx: Ctx, resume: Callable[[], list[Reply]] | None = None
) -> list[Reply] | None:
    """The reply to a message that is only small talk, or None.

    In a flow, `resume` is the flow's current question again (its buttons, and on WeChat its
    numbers, must stay usable); without one, the resident is pointed at the buttons above.
    """
    found = recognise(incoming.text or "")
    if found is None:
        return None
    in_flow = ctx.state.flow is not None
    text = _("Hello! 😊") if in_flow and found.kind is Kind.GREETING else _text(found.kind)
    buttons: list[Button] = []
    again = resume() if in_flow and resume is not None else []
    if again:
        return [Reply(text), *again]
    if in_flow:
        text += "\n" + _("Tap one of the options above to carry on.")
    elif found.kind is Kind.GREETING:
        buttons = main_menu()
    elif found.kind is Kind.BOT:
        buttons = [Button(_("Book a consultation"), StartBooking().encode())]
    return [Reply.of(text, buttons)]


def _text(kind: Kind) -> str:
    if kind is Kind.CREATOR:
        return _(
            "I was made for the Hongqiao international residents' services at the Gubei "
            "Citizen Centre; the centre's staff keep my answers up to date."
        )
    if kind is Kind.BOT:
        return _(
            "Yes, I'm Linzhu, an automatic assistant. I answer from information the centre's "
            "staff keep up to date. If you'd rather talk to a person, book a consultation."
        )
    if kind is Kind.GOODBYE:
        return _("Goodbye, and all the best! Write to me any time.")
    if kind is Kind.THANKS:
        return _("You're welcome! 😊")
    if kind is Kind.GREETING:
        return _("Hello! 😊 What can I help you with? Ask in your own words, or choose a topic:")
    return _("👍 If you have a question, just type it.")
