"""Menu entries whose area has not landed yet: an honest answer instead of silence.

Each area's module replaces its entry here when it lands.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Incoming, Reply
from bot.i18n import _

router = Router("upcoming")


@router.payload("privacy:show")
@router.command("privacy")
async def not_yet(incoming: Incoming, ctx: Context) -> list[Reply]:
    return [
        Reply(
            _(
                "This part of Linzhu is not available yet. Meanwhile, you can call the "
                "citizen service hotline 12345, which has a foreign-language service."
            )
        )
    ]
