"""The booking flow's contact step for phone and video times: the question with its one-line
consent, and what the resident typed read as a phone number or a WeChat ID (booking.py asks
and moves on)."""

from __future__ import annotations

from bot.consultations.contact import ContactProblem, parse_contact
from bot.guided.smalltalk import recognise as small_talk
from bot.i18n import _


def contact_question() -> str:
    return "\n".join(
        [
            _(
                "How can the consultant reach you? Type your mobile number (with the country "
                "code if it is not a Chinese number) or your WeChat ID."
            ),
            _(
                "By sending it you agree that the centre's staff use it only for this "
                "consultation; it is deleted with the booking's other details."
            ),
        ]
    )


def read_contact(typed: str) -> tuple[str | None, str | None]:
    """(the contact to store, None), or (None, what is wrong with what was typed)."""
    typed = typed.strip()
    if small_talk(typed) is not None:  # "thanks" is not a WeChat ID anyone means
        return None, _("Please type a phone number or a WeChat ID.")
    found = parse_contact(typed)
    if found is ContactProblem.PHONE:
        return None, _("That phone number doesn't look complete. Please check it.")
    if isinstance(found, ContactProblem):
        return None, _(
            "That is neither a phone number nor a WeChat ID (6–20 letters, digits, _ or -, "
            "starting with a letter)."
        )
    return found.stored, None
