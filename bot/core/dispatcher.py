"""The pipeline every channel feeds: prepare → lock → user → locale → state → urgent guards
→ routing (payload, command, guards, flow step, free text) → save.

Channels call `Dispatcher.handle(incoming)` and render the returned replies. Nothing here
knows about a platform, a database or a language: the store and the locale resolver come in
as protocols (bot/core/ports.py), every word a resident reads comes from the routes.

A message is one unit of work of the store: the user, their state, the handler's writes
and the saved state commit together, or not at all when the handler raises. What a
handler must send over the network about its changes (Context.after_commit) runs after
the commit and outside the user's lock: never while the transaction (on SQLite, the
process's one writer) is held, and never for a change that was rolled back. CPU work on a
free text that needs no state (language detection, sentence vectors) is prepared before
the message queues for its user and the database, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.core.channel import Channels
from bot.core.context import Context
from bot.core.locale import current_locale
from bot.core.locks import KeyedLocks
from bot.core.numbers import parse_choice
from bot.core.observe import MESSAGE, new_request_id, request_id, signals
from bot.core.payloads import PayloadError
from bot.core.ports import ConversationStore, LocaleResolver
from bot.core.router import Handler, RouteTable
from bot.core.state import FlowState
from bot.core.types import Incoming, Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4000  # longer messages are cut: nobody types more in a chat
PREPARE_SECONDS = 2.0  # preparing a message (language, vectors) is never waited on longer


class _HandlerFailed(Exception):
    """Carries the apology out of the unit of work, which then rolls back."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome


@dataclass(frozen=True)
class Outcome:
    locale: str
    replies: list[Reply]
    user_id: int | None = None
    # answered, did_you_mean, not_covered, emergency, flow (commands, buttons, steps), error
    kind: str = "flow"
    hints: dict[str, object] = field(default_factory=dict)  # Context.hints


class Dispatcher:
    def __init__(
        self,
        routes: RouteTable,
        services: Any,
        *,
        conversations: ConversationStore,
        resolver: LocaleResolver,
        channels: Channels,
    ) -> None:
        self.routes = routes
        self.services = services  # handed to handlers in their Context
        self.conversations = conversations
        self.resolver = resolver
        self.channels = channels
        self.locks = KeyedLocks()
        self._in_flight = asyncio.Semaphore(conversations.in_flight_limit)

    async def handle(self, incoming: Incoming) -> Outcome:
        """Handle one message for one user; one user's messages never run concurrently."""
        started = time.perf_counter()
        token = request_id.set(request_id.get() or new_request_id())
        locale, kind = "unknown", "error"  # the store failed: no reply at all
        try:
            outcome = await self._handle(incoming)
            locale, kind = outcome.locale, outcome.kind
            return outcome
        finally:
            request_id.reset(token)
            seconds = time.perf_counter() - started
            channel = incoming.user.channel
            signals.emit(MESSAGE, seconds, channel=channel, locale=locale, outcome=kind)

    async def _handle(self, incoming: Incoming) -> Outcome:
        if incoming.text and len(incoming.text) > MAX_TEXT:
            incoming = replace(incoming, text=incoming.text[:MAX_TEXT])
        await self._prepare(incoming)
        incoming = await self._prepare_media(incoming)
        key = str(incoming.user)
        after_commit: list[Callable[[], Awaitable[None]]] = []
        async with self.locks.hold(key), self._in_flight:
            try:
                async with self.conversations.unit_of_work(key):
                    outcome = await self._handle_locked(incoming, after_commit)
            except _HandlerFailed as failed:
                return failed.outcome  # rolled back: nothing of it is sent
        for work in after_commit:
            try:
                await work()
            except Exception:  # committed already: the reply still goes out
                log.exception("after-commit work failed for %s", incoming.user)
        return outcome

    async def _prepare(self, incoming: Incoming) -> None:
        """Free text only: a command, a button or a numbered choice needs none of this."""
        text = incoming.text
        if incoming.payload is not None or not text or not text.strip():
            return
        if incoming.command is not None or parse_choice(text) is not None:
            return
        work = asyncio.gather(
            self.resolver.prepare(text),
            *(prepare(text, self.services) for prepare in self.routes.preparers),
            return_exceptions=True,
        )
        try:
            results = await asyncio.wait_for(work, PREPARE_SECONDS)
        except TimeoutError:  # an optimisation only: never hold a message back for it
            log.warning("preparing a message took over %.1f s; going on", PREPARE_SECONDS)
            return
        for result in results:
            if isinstance(result, Exception):  # the handler will meet it again, and answer
                log.warning("preparing a message failed: %r", result)

    async def _prepare_media(self, incoming: Incoming) -> Incoming:
        """A file is fetched (when a handler will keep it) before the message queues: a
        download may take seconds, and a place among the messages in progress is what
        every other message waits for."""
        if incoming.media is None:
            return incoming
        for prepare in self.routes.media_preparers:
            try:
                incoming = await prepare(incoming, self.services)
            except Exception:  # an optimisation only: the handler fetches it itself
                log.exception("preparing a file failed")
        return incoming

    async def _handle_locked(
        self, incoming: Incoming, after_commit: list[Callable[[], Awaitable[None]]]
    ) -> Outcome:
        opened = await self.conversations.open(
            incoming.user, platform_language=incoming.language_hint, now=incoming.received_at
        )
        user, state = opened.user, opened.state
        free_input = self.routes.expects_free_input(state.flow, state.step)
        choice = await self.resolver.resolve(incoming, user, free_input=free_input)
        token = current_locale.set(choice.locale)
        try:
            ctx = Context(self.services, user, state, choice.locale, choice)
            ctx.after_commit = after_commit
            before = state.snapshot()
            try:
                replies = await self._urgent(incoming, ctx)
                if replies is None:
                    incoming = self._map_numbered_choice(incoming, state)
                    replies = [*ctx.preface, *await self._route(incoming, ctx)]
                    for hook in self.routes.hooks:
                        replies = hook(replies, ctx)
            except Exception as exc:
                log.exception("handler failed for %s", incoming.user)
                # Nothing of this message is kept (the unit of work rolls back); a guard's
                # question ("is someone in danger?") is still said.
                fallback = self.routes.error_reply
                outcome = Outcome(
                    ctx.locale,
                    [*ctx.preface, *(fallback(ctx) if fallback else [])],
                    user.id,
                    "error",
                )
                raise _HandlerFailed(outcome) from exc
            if self.channels.capabilities(incoming.user.channel).numbered:
                state.menu = [b.payload for r in replies for b in r.buttons]
            changed = state.snapshot() != before
            locale = ctx.new_locale or ((choice.locale, choice.source) if choice.store else None)
            await self.conversations.save(
                opened,
                state=state if changed else None,
                locale=locale,
                now=incoming.received_at,
            )
            return Outcome(ctx.locale, replies, user.id, ctx.outcome or "flow", dict(ctx.hints))
        finally:
            current_locale.reset(token)

    def _map_numbered_choice(self, incoming: Incoming, state: FlowState) -> Incoming:
        if not state.menu or not self.channels.capabilities(incoming.user.channel).numbered:
            return incoming
        number = parse_choice(incoming.text)
        if number is None or number > len(state.menu):
            return incoming
        return replace(incoming, text=None, payload=state.menu[number - 1])

    async def _urgent(self, incoming: Incoming, ctx: Context[Any]) -> list[Reply] | None:
        """The urgent guards (the emergency guard): any text, any flow step, before all else."""
        if incoming.payload is not None or not (incoming.text or "").strip():
            return None
        for guard in self.routes.urgent_guards:
            answer = await guard(incoming, ctx)
            if answer is not None:
                return answer
        return None

    async def _route(self, incoming: Incoming, ctx: Context[Any]) -> list[Reply]:
        routes = self.routes
        if incoming.payload is not None:
            try:
                route, value = routes.for_payload(incoming.payload)
            except PayloadError as exc:
                # A stale or forged button: one line, no traceback, and "that button expired".
                log.info(
                    "payload %r from %s refused: %s", incoming.payload[:64], incoming.user, exc
                )
                return await self._run(routes.expired_payload, incoming, ctx)
            if not incoming.private_chat and routes.private_payload(route):
                return await self._run(routes.not_private, incoming, ctx)
            return await route(incoming, ctx, value)
        empty = not (incoming.text or "").strip()
        if empty and incoming.media is None:
            return await self._run(routes.empty_text, incoming, ctx)
        command = incoming.command
        if command is not None:
            if not incoming.private_chat and routes.private_command(command):
                return await self._run(routes.not_private, incoming, ctx)  # the flow stays
            ctx.state.clear()  # a command starts something new
            return await self._run(routes.for_command(command), incoming, ctx)
        for guard in routes.guards:
            answer = await guard(incoming, ctx)
            if answer is not None:
                return answer
        if empty:  # a photo or a file without a caption that no guard took (handoff)
            return await self._run(routes.empty_text, incoming, ctx)
        if not incoming.private_chat and routes.private_step(ctx.state.flow, ctx.state.step):
            # A note or a sign-up answer typed in a group is not taken into a private flow.
            return await self._run(routes.not_private, incoming, ctx)
        return await self._run(routes.for_text(ctx.state.flow, ctx.state.step), incoming, ctx)

    async def _run(
        self, handler: Handler | None, incoming: Incoming, ctx: Context[Any]
    ) -> list[Reply]:
        return [] if handler is None else await handler(incoming, ctx)
