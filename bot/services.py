"""The services handlers reach through `ctx.services`: stores, settings, knowledge."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from bot.config import Settings
from bot.core.context import LocaleChoice
from bot.core.sender import Senders
from bot.core.types import Incoming
from bot.store.db import Database
from bot.store.dedupe import DedupeStore
from bot.store.models import User
from bot.store.questions import QuestionStore
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
