"""One answer per WeChat message, across retries and workers.

WeChat retries a message it got no answer to within 5 seconds (three attempts). The first
attempt to arrive claims the message (services.dedupe); later attempts answer "success".
A retry proves WeChat gave up on an earlier attempt's passive reply, so the ledger — one
shared value per message — records it, and the original then delivers through the
customer-service API instead; a reply already given passively is resent once that way.

States: processing → passive | retried | cs;  passive → resent (after a retry).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.dedupe import DedupeStore
from bot.store.shared import SharedValues

TTL = timedelta(days=1)
Change = tuple[str, datetime | None]
PREFIX = "wechat:msg:"


class MessageLedger:
    def __init__(self, db: Database, dedupe: DedupeStore) -> None:
        self.values = SharedValues(db)
        self.dedupe = dedupe

    async def claim(self, key: str) -> bool:
        """True for the first attempt of a message, on whichever worker it lands."""
        if not await self.dedupe.first_time("wechat", key):
            return False
        # A retry may already have recorded itself in between: keep what it wrote.
        await self.values.update(self._key(key), lambda old: None if old else _state("processing"))
        return True

    async def retried(self, key: str) -> list[str] | None:
        """Record a retry; returns the passive texts to resend when they were lost."""

        def change(old: str | None) -> Change | None:
            state = _load(old)
            if state.get("state", "processing") == "processing":
                return _state("retried")
            if state["state"] == "passive":
                return _state("resent", texts=state.get("texts", []))
            return None

        result = await self.values.update(self._key(key), change)
        if result is None:
            return None
        state = json.loads(result[0])
        return list(state["texts"]) if state["state"] == "resent" else None

    async def claim_passive(self, key: str, texts: list[str]) -> bool:
        """May the original answer passively? Not once a retry has been seen."""

        def change(old: str | None) -> Change | None:
            if _load(old).get("state", "processing") != "processing":
                return None
            return _state("passive", texts=texts)

        return await self.values.update(self._key(key), change) is not None

    async def delivering(self, key: str) -> None:
        """The original answers through customer service; retries just say "success"."""
        await self.values.update(self._key(key), lambda old: _state("cs"))

    async def prune(self) -> int:
        return await self.values.prune(PREFIX)

    @staticmethod
    def _key(key: str) -> str:
        return (PREFIX + key)[:128]


def _state(name: str, **extra: object) -> Change:
    return json.dumps({"state": name, **extra}, ensure_ascii=False), utcnow() + TTL


def _load(old: str | None) -> dict[str, object]:
    try:
        value = json.loads(old) if old else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
