"""The services handlers reach through `ctx.services`: stores, settings, knowledge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from bot.config import Settings
from bot.core.context import LocaleChoice
from bot.core.sender import Senders
from bot.core.types import Incoming
from bot.store.consultations import BookingStore
from bot.store.db import Database
from bot.store.dedupe import DedupeStore
from bot.store.event_store import EventStore
from bot.store.inbox import InboxStore
from bot.store.models import User
from bot.store.outbox import OutboxStore
from bot.store.questions import QuestionStore
from bot.store.schedule import ScheduleStore
from bot.store.state import StateStore
from bot.store.users import UserStore

if TYPE_CHECKING:
    from bot.knowledge.base import KnowledgeBase


class LocaleResolver(Protocol):
    def resolve(self, incoming: Incoming, user: User) -> LocaleChoice: ...


@dataclass
class Services:
    settings: Settings
    db: Database
    users: UserStore
    states: StateStore
    dedupe: DedupeStore
    questions: QuestionStore
    locale_resolver: LocaleResolver
    # Channels that show buttons as numbered options and read numbers back.
    senders: Senders = field(default_factory=Senders)
    numbered_channels: frozenset[str] = field(
        default_factory=lambda: frozenset({"wechat", "console"})
    )
    # The FAQ; None until build_dispatcher loads it (tests of other areas skip it).
    knowledge: KnowledgeBase | None = None
    # Consultations and the outbox (built from db and settings below).
    bookings: BookingStore = field(init=False)
    schedule: ScheduleStore = field(init=False)
    outbox: OutboxStore = field(init=False)
    inbox: InboxStore = field(init=False)
    # Events (bot/store/event_store.py).
    events: EventStore = field(init=False)

    def __post_init__(self) -> None:
        from bot.channels.web_inbox import WebInboxSender

        self.bookings = BookingStore(
            self.db,
            cutoff=timedelta(hours=self.settings.booking_cutoff_hours),
            max_upcoming=self.settings.booking_max_upcoming,
            window=timedelta(days=self.settings.booking_window_days),
        )
        self.schedule = ScheduleStore(self.db)
        self.outbox = OutboxStore(self.db)
        self.inbox = InboxStore(self.db)
        self.events = EventStore(self.db)
        # The web chat has no push: its "sender" files messages for the page to fetch.
        if self.senders.get("web") is None:
            self.senders.register(WebInboxSender(self.inbox))


def build_services(
    settings: Settings, locale_resolver: LocaleResolver | None = None, db: Database | None = None
) -> Services:
    from bot.i18n.resolver import DetectingLocaleResolver

    db = db or Database(
        settings.database_url,
        pool_size=settings.database_pool_size,
        schema=settings.database_schema,
    )
    return Services(
        settings=settings,
        db=db,
        users=UserStore(db),
        states=StateStore(db, timedelta(minutes=settings.state_ttl_minutes)),
        dedupe=DedupeStore(db),
        questions=QuestionStore(db),
        locale_resolver=locale_resolver or DetectingLocaleResolver(settings.default_locale),
    )
