"""The composition root: settings → services → routes → dispatcher."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.core.dispatcher import Dispatcher, Outcome
from bot.core.payloads import PayloadError
from bot.core.types import Incoming, Reply
from bot.guided.emergency import default_matcher
from bot.handlers.faq import Vote
from bot.handlers.routes import build_routes
from bot.i18n import require_catalogs
from bot.knowledge.base import KnowledgeBase
from bot.services import Services, build_services
from bot.store.db import Database
from bot.store.traffic import MessageCounts

log = logging.getLogger(__name__)


def build_dispatcher(
    settings: Settings, db: Database | None = None, knowledge: KnowledgeBase | None = None
) -> Dispatcher:
    """Everything a channel needs to answer messages; loads catalogs and models once.

    Raises CatalogError when a locale's compiled catalog is missing or outdated.
    """
    require_catalogs(settings.locales_dir)
    services: Services = build_services(settings, db=db)
    services.knowledge = knowledge or KnowledgeBase.from_settings(
        settings.faq_dir, settings.faq_encoder, settings.faq_cache_dir
    )
    # The emergency guard reads every text message: compile its phrase list now (~0.2 s),
    # not on the first resident's message.
    default_matcher()
    return CountingDispatcher(
        build_routes(),
        services,
        conversations=services.conversations,
        resolver=services.locale_resolver,
        channels=services.channels,
    )


class CountingDispatcher(Dispatcher):
    """The dispatcher, counting each handled message per day, channel, reply locale and the
    FAQ topic it was answered with (the staff dashboard's traffic charts).

    One upsert after the reply is ready, outside the resident's lock and the dispatcher's own
    transactions; a failed count is logged and never costs the resident their answer.
    """

    async def handle(self, incoming: Incoming) -> Outcome:
        outcome = await super().handle(incoming)
        try:
            await MessageCounts(self.services.db).bump(
                incoming.received_at,
                incoming.user.channel,
                outcome.locale,
                answered_topic(outcome.replies),
            )
        except Exception:
            log.exception("message count not recorded")
        return outcome


def answered_topic(replies: list[Reply]) -> str | None:
    """The FAQ topic a reply answered: the one its 👍/👎 buttons rate."""
    for reply in replies:
        for button in reply.buttons:
            if button.payload.startswith(Vote.prefix + ":"):
                try:
                    return Vote.decode(button.payload).topic
                except PayloadError:
                    return None
    return None
