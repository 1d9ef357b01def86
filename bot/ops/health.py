"""GET /readyz: ready for traffic? The database answers and is migrated to this code's
head, the FAQ index is loaded, the catalogs are compiled, every configured channel runs.

Cheap on purpose (it is polled under load): the migration head and the catalog check are
computed at start-up or at most every CHECK_SECONDS; a probe costs one query on the
database's health connection (never the messages' pool) and is cached for a second.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from alembic.script import ScriptDirectory

from bot.i18n.translation import catalog_problems
from bot.services import Services
from bot.store.migrate import alembic_config

CACHE_SECONDS = 1.0
CHECK_SECONDS = 30.0


def migration_head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def configured_channels(services: Services) -> list[str]:
    settings = services.settings
    wanted = ["web"]
    if settings.telegram_bot_token is not None:
        wanted.append("telegram")
    if settings.wechat_token:
        wanted.append("wechat")
    return wanted


class Readiness:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.head = migration_head()
        self._lock = asyncio.Lock()
        self._at = -CACHE_SECONDS
        self._result: tuple[bool, dict[str, Any]] = (False, {})
        self._catalogs_at = -CHECK_SECONDS
        self._catalogs: list[str] = []

    async def check(self) -> tuple[bool, dict[str, Any]]:
        async with self._lock:  # a burst of probes shares one check
            if time.monotonic() - self._at >= CACHE_SECONDS:
                self._result = await self._check()
                self._at = time.monotonic()
            return self._result

    async def _check(self) -> tuple[bool, dict[str, Any]]:
        services = self.services
        reachable, level = await services.db.probe("SELECT version_num FROM alembic_version")
        if time.monotonic() - self._catalogs_at >= CHECK_SECONDS:
            self._catalogs = catalog_problems(services.settings.locales_dir)
            self._catalogs_at = time.monotonic()
        kb = services.knowledge
        missing = [c for c in configured_channels(services) if services.channels.sender(c) is None]
        checks: dict[str, Any] = {
            "database": reachable,
            "migrations": reachable and level == self.head,
            "faq": kb is not None and bool(kb.entries),
            "catalogs": not self._catalogs,
            "channels": not missing,
        }
        details = {
            "migration": {"database": level, "code": self.head},
            "channels_missing": missing,
        }
        ok = all(checks.values())
        return ok, {"status": "ready" if ok else "not ready", **checks, **details}
