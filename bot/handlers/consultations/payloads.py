"""The consultation buttons and the booking flow's typed state, shared by its modules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from bot.core.payloads import Id, OneOf, Payload, Token
from bot.core.state import FlowData
from bot.i18n.locales import LOCALES
from bot.store.consultations.tables import TOPICS

Topic = Annotated[str, OneOf(*TOPICS)]
LanguageChoice = Annotated[str, OneOf(*LOCALES, "any")]  # any: first free time, interpreter


@dataclass(frozen=True)
class StartBooking(Payload, prefix="book:start"):
    topic: Topic | None = None


@dataclass(frozen=True)
class PickTopic(Payload, prefix="book:topic"):
    topic: Topic


@dataclass(frozen=True)
class PickLanguage(Payload, prefix="book:lang"):
    language: LanguageChoice


@dataclass(frozen=True)
class PickDay(Payload, prefix="book:day"):
    day: date


@dataclass(frozen=True)
class PickTime(Payload, prefix="book:time"):
    slot: Id


@dataclass(frozen=True)
class SkipNote(Payload, prefix="book:skipnote"):
    pass


@dataclass(frozen=True)
class Confirm(Payload, prefix="book:confirm"):
    """The token was made when the summary was shown: a double tap finds the first booking."""

    slot: Id
    token: Token


@dataclass(frozen=True)
class Back(Payload, prefix="book:back"):
    pass


@dataclass(frozen=True)
class CancelFlow(Payload, prefix="book:cancel"):
    pass


@dataclass(frozen=True)
class MyBookings(Payload, prefix="book:mine"):
    pass


@dataclass(frozen=True)
class AskCancel(Payload, prefix="book:cx"):
    booking: Id


@dataclass(frozen=True)
class ConfirmCancel(Payload, prefix="book:cxok"):
    booking: Id


@dataclass(frozen=True)
class Reschedule(Payload, prefix="book:rs"):
    booking: Id


@dataclass(frozen=True)
class Move(Payload, prefix="book:move"):
    booking: Id
    slot: Id


@dataclass
class BookingDraft(FlowData, flow="book"):
    """What the resident has chosen so far; `booking` is set when moving a booking."""

    topic: str | None = None
    language: str | None = None
    interpreter: bool = False  # nobody speaks the resident's language: any consultant
    day: date | None = None
    slot: int | None = None
    note: str | None = None
    contact: str | None = None  # phone and video: "tel:+86…" or "wechat:…"
    token: str | None = None
    booking: int | None = None
