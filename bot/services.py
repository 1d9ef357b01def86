"""The services handlers reach through `ctx.services`: stores, settings, knowledge.

`Services` is also what the core dispatcher's protocols are implemented with
(`conversations`, `locale_resolver`, `channels`); `Ctx` is the handlers' context type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.config import Settings, SettingsError
from bot.core.channel import Channels
from bot.core.context import Context
from bot.core.ports import LocaleResolver
from bot.i18n.resolver import DetectingLocaleResolver
from bot.store.consultations.bookings import BookingStore
from bot.store.consultations.schedule import ScheduleStore
from bot.store.conversations import Conversations
from bot.store.db import Database
from bot.store.dedupe import DedupeStore
from bot.store.events.signup import EventStore
from bot.store.handoff.attachments import AttachmentStore
from bot.store.handoff.conversations import HandoffStore
from bot.store.handoff.hours import StaffedHours
from bot.store.inbox import InboxStore
from bot.store.outbox import OutboxStore
from bot.store.questions import QuestionStore
from bot.store.state import StateStore
from bot.store.traffic import Tally
from bot.store.users import UserStore

if TYPE_CHECKING:
    from bot.guided.emergency import EmergencyDetector
    from bot.knowledge.base import KnowledgeBase


@dataclass
class Services:
    settings: Settings
    db: Database
    users: UserStore
    states: StateStore
    dedupe: DedupeStore
    questions: QuestionStore
    locale_resolver: LocaleResolver
    # The channels Linzhu knows and the senders of those running (bot.channels.install).
    channels: Channels = field(default_factory=Channels)
    # The FAQ; None until build_dispatcher loads it (tests of other areas skip it).
    knowledge: KnowledgeBase | None = None
    # The emergency detector over the FAQ's encoders; None: the phrase list alone.
    emergency: EmergencyDetector | None = None
    conversations: Conversations = field(init=False)
    # Consultations and the outbox (built from db and settings below).
    bookings: BookingStore = field(init=False)
    schedule: ScheduleStore = field(init=False)
    outbox: OutboxStore = field(init=False)
    inbox: InboxStore = field(init=False)
    events: EventStore = field(init=False)
    # Live conversations with a person, and when staff are in.
    handoff: HandoffStore = field(init=False)
    attachments: AttachmentStore = field(init=False)
    staffed: StaffedHours = field(init=False)
    # Messages counted per day, channel and locale, added to the database now and then.
    traffic: Tally = field(init=False)

    def __post_init__(self) -> None:
        self.conversations = Conversations(self.db, self.users, self.states)
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
        self.handoff = HandoffStore(self.db)
        self.attachments = AttachmentStore(self.db)
        try:
            self.staffed = StaffedHours.parse(self.settings.handoff_hours, self.settings.timezone)
        except ValueError as exc:
            raise SettingsError(f"HANDOFF_HOURS: {exc}") from None
        self.traffic = Tally(self.db)


# What every handler gets: the message's context with these services.
Ctx = Context[Services]


def build_services(
    settings: Settings, locale_resolver: LocaleResolver | None = None, db: Database | None = None
) -> Services:
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
