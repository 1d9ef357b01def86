"""One answer per WeChat message, across retries and workers.

WeChat retries a message it got no answer to within 5 seconds (three attempts). The first
attempt to arrive claims the message (services.dedupe); later attempts answer "success".
A retry that comes late enough to be WeChat's timeout retry proves that WeChat gave up on
the earlier attempt's passive reply, so the ledger — one shared value per message —
records it: an original still working then delivers through the customer-service API
instead, and a reply already given passively is resent once that way. A duplicate that
comes sooner than WeChat ever retries is only answered "success": the original's
connection is still waiting for its passive reply.

States: processing → passive | retried | cs;  passive → resent (after a retry).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.dedupe import DedupeStore
from bot.store.shared import SharedValues

TTL = timedelta(days=1)
PREFIX = "wechat:msg:"
# WeChat retries 5 s after an unanswered attempt; 3 s leaves room for workers' clocks
# to differ while still telling a timeout retry from a duplicate delivery.
RETRY_GAP = timedelta(seconds=3)
Change = tuple[str, datetime | None]


class MessageLedger:
    def __init__(
        self, db: Database, dedupe: DedupeStore, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.values = SharedValues(db)
        self.dedupe = dedupe
        self.clock = clock

    async def claim(self, key: str) -> bool:
        """True for the first attempt of a message, on whichever worker it lands."""
        if not await self.dedupe.first_time("wechat", key):
            return False
        at = self.clock().isoformat()
        # A retry may already have recorded itself in between: keep what it wrote.
        await self.values.update(
            self._key(key), lambda old: None if old else _state("processing", at=at)
        )
        return True

    async def retried(self, key: str) -> list[str] | None:
        """Record a retry; returns the passive texts to resend when they were lost."""
        now = self.clock()

        def change(old: str | None) -> Change | None:
            state = _load(old)
            at = str(state.get("at") or now.isoformat())
            if now - datetime.fromisoformat(at) < RETRY_GAP:
                return None  # a duplicate, not WeChat's timeout retry
            if state.get("state", "processing") == "processing":
                return _state("retried", at=at)
            if state["state"] == "passive":
                return _state("resent", at=at, texts=state.get("texts", []))
            return None

        result = await self.values.update(self._key(key), change)
        if result is None:
            return None
        state = json.loads(result[0])
        return list(state["texts"]) if state["state"] == "resent" else None

    async def claim_passive(self, key: str, texts: list[str]) -> bool:
        """May the original answer passively? Not once a retry has been seen."""

        def change(old: str | None) -> Change | None:
            state = _load(old)
            if state.get("state", "processing") != "processing":
                return None
            return _state("passive", at=state.get("at"), texts=texts)

        return await self.values.update(self._key(key), change) is not None

    async def delivering(self, key: str) -> None:
        """The original answers through customer service; retries just say "success"."""

        def change(old: str | None) -> Change:
            return _state("cs", at=_load(old).get("at"))

        await self.values.update(self._key(key), change)

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
