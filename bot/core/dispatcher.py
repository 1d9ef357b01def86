"""The pipeline every channel feeds: lock → user → locale → state → guards → handler → save.

Channels call `Dispatcher.handle(incoming)` and render the returned replies. Nothing
here knows about a platform; a channel that shows buttons as numbers ("reply 1, 2, 3")
is listed in `numbered_channels`, and its numbered answers are mapped back to payloads.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace

from bot.core.context import Context, LocaleChoice
from bot.core.locks import KeyedLocks
from bot.core.numbers import parse_choice
from bot.core.router import Handler, RouteTable
from bot.core.types import Button, Incoming, Reply
from bot.i18n.locales import NATIVE_NAMES
from bot.i18n.translation import _, current_locale
from bot.services import Services
from bot.store.state import FlowState

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # longer messages are cut: nobody types more in a chat


@dataclass(frozen=True)
class Outcome:
    locale: str
    replies: list[Reply]
    user_id: int | None = None


class Dispatcher:
    def __init__(self, routes: RouteTable, services: Services) -> None:
        self.routes = routes
        self.services = services
        self.locks = KeyedLocks()
        # On PostgreSQL a message holds one pooled connection for its advisory lock and needs
        # another for its work: cap messages in flight at half the pool, or a burst of users
        # could take every connection for locks and wait forever for a second one.
        db = services.db
        limit = max(1, db.pool_capacity // 2) if db.is_postgres else 10_000
        self._in_flight = asyncio.Semaphore(limit)

    async def handle(self, incoming: Incoming) -> Outcome:
        """Handle one message for one user; one user's messages never run concurrently."""
        if incoming.text and len(incoming.text) > MAX_TEXT:
            incoming = replace(incoming, text=incoming.text[:MAX_TEXT])
        key = str(incoming.user)
        async with self.locks.hold(key), self._in_flight, self.services.db.user_lock(key):
            return await self._handle_locked(incoming)

    async def _handle_locked(self, incoming: Incoming) -> Outcome:
        svc = self.services
        async with svc.db.transaction() as session:
            user = await svc.users.touch(
                session,
                incoming.user,
                platform_language=incoming.language_hint,
                now=incoming.received_at,
            )
            state = await svc.states.load(session, user.id or 0, now=incoming.received_at)
        choice = svc.locale_resolver.resolve(incoming, user)
        token = current_locale.set(choice.locale)
        try:
            ctx = Context(svc, user, state, choice.locale, choice)
            before = state.snapshot()
            incoming = self._map_numbered_choice(incoming, state)
            try:
                replies = await self._route(incoming, ctx)
            except Exception:
                log.exception("handler failed for %s", incoming.user)
                # The state stays as it was before this message.
                return Outcome(
                    ctx.locale,
                    [
                        Reply(
                            _(
                                "Sorry, something went wrong on my side. "
                                "Please try again in a moment."
                            )
                        )
                    ],
                    user.id,
                )
            replies = self._decorate(replies, ctx)
            if incoming.user.channel in svc.numbered_channels:
                state.menu = [b.payload for r in replies for b in r.buttons]
            await self._save(ctx, before, choice)
            return Outcome(ctx.locale, replies, user.id)
        finally:
            current_locale.reset(token)

    def _map_numbered_choice(self, incoming: Incoming, state: FlowState) -> Incoming:
        if incoming.user.channel not in self.services.numbered_channels or not state.menu:
            return incoming
        number = parse_choice(incoming.text)
        if number is None or number > len(state.menu):
            return incoming
        return replace(incoming, text=None, payload=state.menu[number - 1])

    async def _route(self, incoming: Incoming, ctx: Context) -> list[Reply]:
        if incoming.payload is not None:
            handler = self.routes.for_payload(incoming.payload)
            return await self._run(handler, incoming, ctx)
        if not (incoming.text or "").strip():
            return [Reply(_("I didn't receive any text. Please type your question."))]
        command = incoming.command
        if command is not None:
            ctx.state.clear()  # a command starts something new
            return await self._run(self.routes.for_command(command), incoming, ctx)
        for guard in self.routes.guards:
            answer = await guard(incoming, ctx)
            if answer is not None:
                return answer
        if ctx.choice.unsupported and not ctx.state.flow:
            return [
                language_menu_reply(
                    _("Sorry, I don't speak that language yet. I can help you in these languages:")
                )
            ]
        return await self._run(self.routes.for_text(ctx.state.flow, ctx.state.step), incoming, ctx)

    async def _run(self, handler: Handler | None, incoming: Incoming, ctx: Context) -> list[Reply]:
        if handler is None:
            return [Reply(_("Sorry, I didn't understand that. Type /help to see what I can do."))]
        return await handler(incoming, ctx)

    def _decorate(self, replies: list[Reply], ctx: Context) -> list[Reply]:
        """Offer a one-tap language switch when the message was clearly in another language."""
        target = ctx.choice.suggest_switch
        if not replies or not target or target == ctx.locale or ctx.new_locale:
            return replies
        switch = Button(
            _("Switch to {language}?").format(language=NATIVE_NAMES[target]), f"lang:set:{target}"
        )
        last = replies[-1]
        return [*replies[:-1], replace(last, buttons=(*last.buttons, switch))]

    async def _save(self, ctx: Context, before: tuple[object, ...], choice: LocaleChoice) -> None:
        svc = self.services
        locale_update = ctx.new_locale or ((choice.locale, choice.source) if choice.store else None)
        if ctx.state.snapshot() == before and locale_update is None:
            return
        async with svc.db.transaction() as session:
            if ctx.state.snapshot() != before:
                await svc.states.save(session, ctx.user_id, ctx.state)
            if locale_update is not None:
                await svc.users.set_locale(session, ctx.user_id, *locale_update)


def language_menu_reply(text: str) -> Reply:
    """The nine languages as buttons, each label in its own language."""
    return Reply.of(text, [Button(name, f"lang:set:{code}") for code, name in NATIVE_NAMES.items()])
