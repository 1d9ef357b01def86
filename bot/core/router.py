"""Handler registration: by command, by button payload, by flow step, free text, hooks.

One `Router()` per handler module (as in aiogram); the composition root includes them into
a root router and freezes it into a RouteTable, which refuses duplicates so two modules can
never silently fight over `/start` or a payload prefix.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.core.context import Context
from bot.core.payloads import Payload, PayloadError
from bot.core.types import Incoming, Reply

Handler = Callable[[Incoming, Context[Any]], Awaitable[list[Reply]]]
P = TypeVar("P", bound=Payload)
PayloadHandler = Callable[[Incoming, Context[Any], P], Awaitable[list[Reply]]]
Guard = Callable[[Incoming, Context[Any]], Awaitable[list[Reply] | None]]
# Runs on every handler's replies (for example to offer a one-tap language switch).
ReplyHook = Callable[[list[Reply], Context[Any]], list[Reply]]
# CPU work on a free text that needs neither the user nor their state (its sentence
# vectors, say), started before the message queues for its user: (text, services).
Preparer = Callable[[str, Any], Awaitable[None]]
# Waiting on the network for a message with a file (downloading it), started before the
# message takes one of the few places for messages in progress: (incoming, services) → the
# incoming to handle (its media's `fetched` filled in, or unchanged).
MediaPreparer = Callable[[Incoming, Any], Awaitable[Incoming]]
# What the resident sees when a handler raised; must not fail itself.
ErrorReply = Callable[[Context[Any]], list[Reply]]
ANY_STEP = "*"
H = TypeVar("H")


class RouteConflict(Exception):
    """Two handlers were registered for the same command, payload prefix or step."""


@dataclass(frozen=True)
class PayloadRoute:
    spec: type[Payload]
    handler: PayloadHandler[Any]

    async def __call__(self, incoming: Incoming, ctx: Context[Any], value: Payload) -> list[Reply]:
        return await self.handler(incoming, ctx, value)


class Router:
    def __init__(self, name: str, *, private: bool = False) -> None:
        """`private`: everything this router answers is the resident's own (their bookings,
        their data), so outside a private chat — in a group, where others read the replies —
        its commands, buttons and flow steps get the `not_private` reply instead."""
        self.name = name
        self.private = private
        self.private_keys: set[str] = set()  # "command:x", "payload:prefix", "step:flow/step"
        self.commands: dict[str, Handler] = {}
        self.payloads: dict[str, PayloadRoute] = {}
        self.steps: dict[tuple[str, str], Handler] = {}
        self.guards: list[Guard] = []
        self.urgent_guards: list[Guard] = []
        self.free_input: set[tuple[str, str]] = set()
        self.hooks: list[ReplyHook] = []
        self.preparers: list[Preparer] = []
        self.media_preparers: list[MediaPreparer] = []
        self.singles: dict[str, Any] = {}
        self.children: list[Router] = []

    def command(self, *names: str, private: bool = False) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                key = name.lower().lstrip("/")
                _put(self.commands, key, handler, f"command /{name}")
                self._mark(private, f"command:{key}")
            return handler

        return register

    def payload(
        self, spec: type[P], *, private: bool = False
    ) -> Callable[[PayloadHandler[P]], PayloadHandler[P]]:
        """Taps on buttons made with `spec`; the handler gets the decoded payload."""

        def register(handler: PayloadHandler[P]) -> PayloadHandler[P]:
            _put(self.payloads, spec.prefix, PayloadRoute(spec, handler), f"payload {spec.prefix}")
            self._mark(private, f"payload:{spec.prefix}")
            return handler

        return register

    def step(
        self, flow: str, step: str = ANY_STEP, *, free_input: bool = False, private: bool = False
    ) -> Callable[[Handler], Handler]:
        """Free text while the user is in `flow` (at `step`, or any step).

        `free_input`: the step expects text in any language (an address, a name, a date),
        so the message's language says nothing about the resident's and the locale
        resolver does not look at it (a Chinese address never switches the conversation).
        """

        def register(handler: Handler) -> Handler:
            _put(self.steps, (flow, step), handler, f"step {flow}/{step}")
            self._mark(private, f"step:{flow}/{step}")
            if free_input:
                self.free_input.add((flow, step))
            return handler

        return register

    def _mark(self, private: bool, key: str) -> None:
        if private or self.private:
            self.private_keys.add(key)

    def guard(self, guard: Guard) -> Guard:
        """Runs before routing on every text message; a non-None result answers it."""
        self.guards.append(guard)
        return guard

    def urgent(self, guard: Guard) -> Guard:
        """Runs on every text message before anything else: before commands, in every
        flow step, and before the reply locale has any effect (no language menu, no
        switch offer on its answer). A non-None result answers the message."""
        self.urgent_guards.append(guard)
        return guard

    def after(self, hook: ReplyHook) -> ReplyHook:
        self.hooks.append(hook)
        return hook

    def prepare(self, preparer: Preparer) -> Preparer:
        """Runs on every free text before the message waits for its user and the database,
        so CPU work there overlaps other messages' instead of queueing behind them."""
        self.preparers.append(preparer)
        return preparer

    def prepare_media(self, preparer: MediaPreparer) -> MediaPreparer:
        """Runs on every message with a file before it waits for its user and a place among
        the messages in progress, so a slow download holds up no one else."""
        self.media_preparers.append(preparer)
        return preparer

    def text(self, handler: Handler) -> Handler:
        """Free text outside any flow (the FAQ)."""
        return self._single("text", handler)

    def unknown_command(self, handler: Handler) -> Handler:
        return self._single("unknown_command", handler)

    def expired_payload(self, handler: Handler) -> Handler:
        """A tap on a button whose payload is unknown, malformed or out of range."""
        return self._single("expired_payload", handler)

    def empty_text(self, handler: Handler) -> Handler:
        """A message with no text (a photo, a sticker, an empty line)."""
        return self._single("empty_text", handler)

    def on_error(self, handler: ErrorReply) -> ErrorReply:
        return self._single("error", handler)

    def not_private(self, handler: Handler) -> Handler:
        """What a private route answers in a group ("please use a private chat")."""
        return self._single("not_private", handler)

    def _single(self, slot: str, handler: H) -> H:
        if slot in self.singles:
            raise RouteConflict(f"{slot} registered twice ({self.name})")
        self.singles[slot] = handler
        return handler

    def include(self, *routers: Router) -> None:
        self.children.extend(routers)

    def freeze(self) -> RouteTable:
        table = RouteTable()
        for router in self._walk():
            for name, handler in router.commands.items():
                _put(table.commands, name, handler, f"command /{name} ({router.name})")
            for prefix, route in router.payloads.items():
                _put(table.payloads, prefix, route, f"payload {prefix} ({router.name})")
            for key, step_handler in router.steps.items():
                _put(table.steps, key, step_handler, f"step {key} ({router.name})")
            table.guards.extend(router.guards)
            table.urgent_guards.extend(router.urgent_guards)
            table.free_input.update(router.free_input)
            table.private_keys.update(router.private_keys)
            table.hooks.extend(router.hooks)
            table.preparers.extend(router.preparers)
            table.media_preparers.extend(router.media_preparers)
            for slot, single in router.singles.items():
                _put(table.singles, slot, single, f"{slot} ({router.name})")
        return table

    def _walk(self) -> list[Router]:
        found = [self]
        for child in self.children:
            found.extend(child._walk())
        return found


@dataclass
class RouteTable:
    commands: dict[str, Handler] = field(default_factory=dict)
    payloads: dict[str, PayloadRoute] = field(default_factory=dict)
    steps: dict[tuple[str, str], Handler] = field(default_factory=dict)
    guards: list[Guard] = field(default_factory=list)
    urgent_guards: list[Guard] = field(default_factory=list)
    free_input: set[tuple[str, str]] = field(default_factory=set)
    private_keys: set[str] = field(default_factory=set)
    hooks: list[ReplyHook] = field(default_factory=list)
    preparers: list[Preparer] = field(default_factory=list)
    media_preparers: list[MediaPreparer] = field(default_factory=list)
    singles: dict[str, Any] = field(default_factory=dict)

    def for_payload(self, payload: str) -> tuple[PayloadRoute, Payload]:
        """The route of the longest registered prefix of `payload`, and the decoded value.

        Raises PayloadError for an unknown prefix or a payload that does not decode.
        """
        parts = payload.split(":")
        for end in range(len(parts), 0, -1):
            route = self.payloads.get(":".join(parts[:end]))
            if route is not None:
                return route, route.spec.decode(payload)
        raise PayloadError("no handler for this payload")

    def for_command(self, command: str) -> Handler | None:
        return self.commands.get(command, self.singles.get("unknown_command"))

    def for_text(self, flow: str | None, step: str | None) -> Handler | None:
        if flow:
            handler = self.steps.get((flow, step or ANY_STEP)) or self.steps.get((flow, ANY_STEP))
            if handler is not None:
                return handler
        return self.singles.get("text")

    def expects_free_input(self, flow: str | None, step: str | None) -> bool:
        """True when the active step takes text in any language (see `Router.step`)."""
        if not flow:
            return False
        return (flow, step or ANY_STEP) in self.free_input or (flow, ANY_STEP) in self.free_input

    def private_command(self, command: str) -> bool:
        return f"command:{command}" in self.private_keys

    def private_payload(self, route: PayloadRoute) -> bool:
        return f"payload:{route.spec.prefix}" in self.private_keys

    def private_step(self, flow: str | None, step: str | None) -> bool:
        """True when free text at this step goes to a private route (see `Router.private`)."""
        if not flow:
            return False
        key = step or ANY_STEP
        if (flow, key) not in self.steps:  # as `for_text` falls back to the flow's any-step
            key = ANY_STEP
        return f"step:{flow}/{key}" in self.private_keys

    @property
    def not_private(self) -> Handler | None:
        return self.singles.get("not_private")

    @property
    def expired_payload(self) -> Handler | None:
        return self.singles.get("expired_payload")

    @property
    def empty_text(self) -> Handler | None:
        return self.singles.get("empty_text")

    @property
    def error_reply(self) -> ErrorReply | None:
        return self.singles.get("error")


def _put(registry: dict[Any, Any], key: object, handler: object, what: str) -> None:
    if key in registry and registry[key] is not handler:
        raise RouteConflict(f"{what} is registered twice")
    registry[key] = handler
