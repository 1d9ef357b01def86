"""Handler registration: by command, by button payload prefix, by flow step, free text.

One `Router()` per handler module (as in aiogram); the composition root includes them
into a root router and freezes it into a RouteTable, which refuses duplicates so two
modules can never silently fight over `/start`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.core.types import Incoming, Reply

if TYPE_CHECKING:
    from bot.core.context import Context

Handler = Callable[[Incoming, "Context"], Awaitable[list[Reply]]]
Guard = Callable[[Incoming, "Context"], Awaitable[list[Reply] | None]]
ANY_STEP = "*"


class RouteConflict(Exception):
    """Two handlers were registered for the same command, payload prefix or step."""


class Router:
    def __init__(self, name: str) -> None:
        self.name = name
        self.commands: dict[str, Handler] = {}
        self.payloads: dict[str, Handler] = {}
        self.steps: dict[tuple[str, str], Handler] = {}
        self.guards: list[Guard] = []
        self.text_handler: Handler | None = None
        self.unknown_command_handler: Handler | None = None
        self.unknown_payload_handler: Handler | None = None
        self.children: list[Router] = []

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                _put(self.commands, name.lower().lstrip("/"), handler, f"command /{name}")
            return handler

        return register

    def payload(self, prefix: str) -> Callable[[Handler], Handler]:
        """Matches the payload `prefix` itself and any `prefix:…`."""

        def register(handler: Handler) -> Handler:
            _put(self.payloads, prefix, handler, f"payload {prefix}")
            return handler

        return register

    def step(self, flow: str, step: str = ANY_STEP) -> Callable[[Handler], Handler]:
        """Free text while the user is in `flow` (at `step`, or any step)."""

        def register(handler: Handler) -> Handler:
            _put(self.steps, (flow, step), handler, f"step {flow}/{step}")
            return handler

        return register

    def guard(self, guard: Guard) -> Guard:
        """Runs before routing on every text message; a non-None result answers it."""
        self.guards.append(guard)
        return guard

    def text(self, handler: Handler) -> Handler:
        self.text_handler = handler
        return handler

    def unknown_command(self, handler: Handler) -> Handler:
        self.unknown_command_handler = handler
        return handler

    def unknown_payload(self, handler: Handler) -> Handler:
        self.unknown_payload_handler = handler
        return handler

    def include(self, *routers: Router) -> None:
        self.children.extend(routers)

    def freeze(self) -> RouteTable:
        table = RouteTable()
        for router in self._walk():
            for name, handler in router.commands.items():
                _put(table.commands, name, handler, f"command /{name} ({router.name})")
            for prefix, handler in router.payloads.items():
                _put(table.payloads, prefix, handler, f"payload {prefix} ({router.name})")
            for key, handler in router.steps.items():
                _put(table.steps, key, handler, f"step {key} ({router.name})")
            table.guards.extend(router.guards)
            for attr in ("text_handler", "unknown_command_handler", "unknown_payload_handler"):
                value = getattr(router, attr)
                if value is not None:
                    if getattr(table, attr) is not None:
                        raise RouteConflict(f"{attr} registered twice ({router.name})")
                    setattr(table, attr, value)
        return table

    def _walk(self) -> list[Router]:
        found = [self]
        for child in self.children:
            found.extend(child._walk())
        return found


@dataclass
class RouteTable:
    commands: dict[str, Handler] = field(default_factory=dict)
    payloads: dict[str, Handler] = field(default_factory=dict)
    steps: dict[tuple[str, str], Handler] = field(default_factory=dict)
    guards: list[Guard] = field(default_factory=list)
    text_handler: Handler | None = None
    unknown_command_handler: Handler | None = None
    unknown_payload_handler: Handler | None = None

    def for_payload(self, payload: str) -> Handler | None:
        """The handler of the longest registered prefix of `payload` (split on ':')."""
        parts = payload.split(":")
        for end in range(len(parts), 0, -1):
            handler = self.payloads.get(":".join(parts[:end]))
            if handler is not None:
                return handler
        return self.unknown_payload_handler

    def for_command(self, command: str) -> Handler | None:
        return self.commands.get(command, self.unknown_command_handler)

    def for_text(self, flow: str | None, step: str | None) -> Handler | None:
        if flow:
            handler = self.steps.get((flow, step or ANY_STEP)) or self.steps.get((flow, ANY_STEP))
            if handler is not None:
                return handler
        return self.text_handler


def _put(registry: dict[Any, Handler], key: object, handler: Handler, what: str) -> None:
    if key in registry and registry[key] is not handler:
        raise RouteConflict(f"{what} is registered twice")
    registry[key] = handler
