"""`linzhu chat`: the whole pipeline in a terminal; buttons appear as numbered choices."""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable
from typing import TextIO

from aiohttp import web

from bot.channels.render import numbered_options, strip_markup
from bot.core.channel import Capabilities
from bot.core.dispatcher import Dispatcher
from bot.core.hygiene import clean_text
from bot.core.sender import Sender
from bot.core.types import Incoming, Reply, UserRef


class ConsoleChannel:
    name = "console"
    capabilities = Capabilities(buttons="numbered", attachments=False, push=False)
    sender: Sender | None = None  # a terminal session cannot be reached later

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher

    def add_routes(self, app: web.Application) -> None:
        return None

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def run(
        self,
        *,
        user: str | None = None,
        read: Callable[[str], str] = input,
        out: TextIO = sys.stdout,
        first: str | None = "/start",
    ) -> None:
        # The terminal may hand us undecodable bytes as surrogates; ids are stored.
        ref = UserRef(self.name, clean_text(user or getpass.getuser())[:128])
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
            incoming = Incoming(
                user=ref, chat_id=ref.external_id, text=pending, display_name=ref.external_id
            )
            outcome = await self.dispatcher.handle(incoming)
            out.write(render(outcome.replies) + "\n")
            out.flush()
            pending = None


def render(replies: list[Reply]) -> str:
    lines: list[str] = []
    for reply in replies:
        lines.append(strip_markup(reply.text))
        lines.extend(f"  📎 {a.filename} ({len(a.content)} bytes)" for a in reply.attachments)
    lines.extend(f"  [{n}] {label}" for n, label in numbered_options(replies))
    return "\n".join(lines)
