"""Posting to the optional staff Telegram group (HANDOFF_STAFF_GROUP), without waiting.

Apart from the group's handler (staff_group.py) because delivery posts here too: whichever
process records that a reply written in the group did not arrive reports it there.
"""

from __future__ import annotations

import asyncio
import logging

from bot.core.types import Reply, UserRef
from bot.services import Services
from bot.store.handoff.tables import SENT

log = logging.getLogger(__name__)
_posting: set[asyncio.Task[None]] = set()


def staff_group_of(services: Services) -> str | None:
    """The group's chat id, or None when there is no staff group."""
    group = services.settings.handoff_staff_group
    return str(group) if group is not None else None


def post(services: Services, text: str) -> None:
    """Post to the staff group, if there is one, without waiting for it."""
    group = staff_group_of(services)
    if group is None:
        return

    async def send() -> None:
        try:
            result = await services.channels.send(UserRef("telegram", group), [Reply(text)])
            if result.status != SENT:
                log.warning("staff group: post not delivered (%s)", result.reason)
        except Exception:
            log.exception("staff group: post failed")

    task = asyncio.get_running_loop().create_task(send(), name="staff group post")
    _posting.add(task)
    task.add_done_callback(_posting.discard)
