"""What the resident reads about a conversation with staff (also sent when staff close it)."""

from __future__ import annotations

from bot.core.types import Button, Reply
from bot.handlers.handoff.payloads import EndHandoff, RateHandoff
from bot.i18n import _


def end_button() -> Button:
    return Button(_("End the conversation with staff"), EndHandoff().encode())


def closed_reply(conversation_id: int) -> Reply:
    """The conversation is over: the bot is back, and a 👍/👎 on the help."""
    return Reply.of(
        _(
            "The conversation with the centre's staff has ended. I'm back: ask me anything, "
            "or send /human to talk to a person again. Did the staff help you?"
        ),
        [
            Button("👍", RateHandoff(conversation_id, True).encode()),
            Button("👎", RateHandoff(conversation_id, False).encode()),
        ],
    )
