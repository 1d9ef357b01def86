"""Conversation state: where a resident is in a flow, and that flow's typed data.

A flow declares its data as a dataclass deriving from `FlowData` (`BookingDraft`,
`SchoolGuide`, …). The store keeps it as JSON; a handler reads it back typed with
`Draft.of(ctx.state)` and writes it with `ctx.state.enter(draft, step)`. Data that no
longer fits its class (an old deploy, a hand-edited row) reads as "no flow", never as an
exception in a handler.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self, get_type_hints

from bot.core.typed import Invalid, check, supported, to_json


class FlowData:
    """Base of a flow's typed state; subclasses are dataclasses with `flow="name"`."""

    flow: ClassVar[str]
    _hints: ClassVar[dict[str, Any]]

    def __init_subclass__(cls, *, flow: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.flow = flow

    @classmethod
    def _fields(cls) -> dict[str, Any]:
        if "_hints" not in cls.__dict__:
            hints = get_type_hints(cls)
            cls._hints = {f.name: hints[f.name] for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
            for hint in cls._hints.values():
                supported(hint)
        return cls._hints

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self | None:
        """The typed data, or None when the stored JSON does not fit the class."""
        fields = cls._fields()  # an unsupported annotation raises TypeError here
        values = {}
        try:
            for name, hint in fields.items():
                if name in data:
                    values[name] = check(data[name], hint)
            return cls(**values)
        except (Invalid, TypeError):
            return None

    def to_json(self) -> dict[str, Any]:
        return {name: to_json(getattr(self, name)) for name in self._fields()}

    @classmethod
    def of(cls, state: FlowState) -> Self | None:
        """This flow's data when the resident is in this flow, else None."""
        if state.flow != cls.flow:
            return None
        return cls.from_json(state.data)


@dataclass
class FlowState:
    """The mutable state a handler sees; the dispatcher saves it after the handler if it changed.

    `menu` maps numbered replies ("2") to the payloads of the buttons last shown, on
    channels that number their options; `last_topic` is the FAQ topic answered last, for
    short follow-up questions outside any flow.
    """

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    menu: list[str] = field(default_factory=list)
    last_topic: str | None = None

    def enter(self, data: FlowData, step: str) -> None:
        """Be in `data`'s flow at `step`, with `data` as its state."""
        self.flow, self.step, self.data = data.flow, step, data.to_json()

    def clear(self) -> None:
        """Leave the flow (the menu and the last topic stay)."""
        self.flow, self.step, self.data = None, None, {}

    def snapshot(self) -> tuple[Any, ...]:
        data = repr(sorted(self.data.items()))
        return (self.flow, self.step, data, tuple(self.menu), self.last_topic)
