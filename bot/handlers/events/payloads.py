"""The events buttons and the sign-up flow's typed state, shared by browse.py and mine.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal

from bot.core.payloads import Id, Index, OneOf, Payload
from bot.core.state import FlowData
from bot.store.events.tables import CATEGORIES

CategoryOrAll = Annotated[str, OneOf(*CATEGORIES, "all")]


@dataclass(frozen=True)
class EventsHome(Payload, prefix="events"):
    """The bare word, as a menu key may send it: the list."""


@dataclass(frozen=True)
class EventList(Payload, prefix="events:list"):
    category: CategoryOrAll = "all"
    page: Index = 0


@dataclass(frozen=True)
class Categories(Payload, prefix="events:cats"):
    pass


@dataclass(frozen=True)
class ShowEvent(Payload, prefix="events:show"):
    event: Id


@dataclass(frozen=True)
class Join(Payload, prefix="events:join"):
    event: Id


@dataclass(frozen=True)
class MyEvents(Payload, prefix="events:mine"):
    pass


@dataclass(frozen=True)
class AskCancel(Payload, prefix="events:cancel"):
    registration: Id


@dataclass(frozen=True)
class Drop(Payload, prefix="events:drop"):
    registration: Id


@dataclass(frozen=True)
class Reminders(Payload, prefix="events:rem"):
    setting: Literal["on", "off"]


@dataclass
class SignUp(FlowData, flow="events_signup"):
    """Answering an event's sign-up questions, one at a time."""

    event: int = 0
    index: int = 0
    answers: dict[str, str] = field(default_factory=dict)
