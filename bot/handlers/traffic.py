"""Counting answered messages for the staff dashboard (messages per day, top topics).

An after-hook, so every handled message is counted once, in memory (bot/store/traffic.py
adds the counts to the database every few seconds, never on the message's own path).
"""

from __future__ import annotations

from bot.core.payloads import PayloadError
from bot.core.router import Router
from bot.core.types import Reply, utcnow
from bot.handlers.faq import Vote
from bot.services import Ctx

router = Router("traffic")


@router.after
def count(replies: list[Reply], ctx: Ctx) -> list[Reply]:
    ctx.services.traffic.count(utcnow(), ctx.user.channel, ctx.locale, answered_topic(replies))
    return replies


def answered_topic(replies: list[Reply]) -> str | None:
    """The FAQ topic a reply answered: the one its 👍/👎 buttons rate."""
    for reply in replies:
        for button in reply.buttons:
            if button.payload.startswith(Vote.prefix + ":"):
                try:
                    return Vote.decode(button.payload).topic
                except PayloadError:
                    return None
    return None
