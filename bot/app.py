"""The composition root: settings → services → routes → dispatcher."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.guided.emergency import EmergencyDetector
from bot.handlers.routes import build_routes
from bot.i18n import require_catalogs
from bot.knowledge.base import KnowledgeBase
from bot.services import Services, build_services
from bot.store.db import Database

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
    # The emergency guard reads every text message: its phrase list and its semantic heads
    # (training vectors cached beside the FAQ's) are ready before the first message.
    services.emergency = EmergencyDetector.for_knowledge(services.knowledge, settings.faq_cache_dir)
    return Dispatcher(
        build_routes(),
        services,
        conversations=services.conversations,
        resolver=services.locale_resolver,
        channels=services.channels,
    )
