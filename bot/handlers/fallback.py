"""Free text that no area handles yet (the FAQ replaces this)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Incoming, Reply
from bot.handlers.start import main_menu
from bot.i18n import _

router = Router("fallback")


@router.text
async def cannot_answer_yet(incoming: Incoming, ctx: Context) -> list[Reply]:
    await ctx.services.questions.record_unanswered(
        user_id=ctx.user_id,
        channel=incoming.user.channel,
        text=incoming.text or "",
        locale=ctx.locale,
    )
    return [
        Reply.of(
            _(
                "Sorry, I can't answer that yet. I've passed your question on to the "
                "centre's staff. Here is what I can already help with:"
            ),
            main_menu(),
        )
    ]
