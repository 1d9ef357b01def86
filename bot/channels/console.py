"""`linzhu chat`: the whole pipeline in a terminal; buttons appear as numbered choices."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from bot.channels.render import numbered_options, strip_markup
from bot.core.dispatcher import Dispatcher
from bot.core.types import Incoming, Reply, UserRef


def render(replies: list[Reply]) -> str:
    lines: list[str] = []
    for reply in replies:
        lines.append(strip_markup(reply.text))
        lines.extend(f"  📎 {a.filename} ({len(a.content)} bytes)" for a in reply.attachments)
    lines.extend(f"  [{n}] {label}" for n, label in numbered_options(replies))
    return "\n".join(lines)


async def run_console(
    dispatcher: Dispatcher,
    *,
    user: str | None = None,
    read: Callable[[str], str] = input,
    out: TextIO = sys.stdout,
    first: str | None = "/start",
) -> None:
    ref = UserRef("console", user or getpass.getuser())
    pending = first
    while True:
        if pending is None:
            try:
                pending = await asyncio.to_thread(read, "you> ")
            except (EOFError, KeyboardInterrupt):
                out.write("\n")
                return
            if pending.strip() in {"/quit", "/exit"}:
                return
        outcome = await dispatcher.handle(Incoming(user=ref, chat_id=ref.external_id, text=pending))
        out.write(render(outcome.replies) + "\n")
        out.flush()
        pending = None
