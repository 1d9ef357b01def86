"""One answer per WeChat message, across retries and workers.

WeChat retries a message it got no answer to within 5 seconds (three attempts). The first
attempt to arrive claims the message (services.dedupe); later attempts answer "success".
A retry that comes late enough to be WeChat's timeout retry proves that WeChat gave up on
the earlier attempt's passive reply. The ledger — one shared value per message, written
off the reply's critical path — reconciles the two sides, whichever comes first:
- the original finished slowly and delivers through customer service: nothing to do;
- the original replied passively and then a retry came: the reply is resent once
  through customer service (by the retry);
- a retry came before the original recorded its passive reply: the original resends.
A duplicate that comes sooner than WeChat ever retries is only answered "success": the
original's connection is still waiting for its passive reply.

States (no row = processing): passive | retried | cs | resent.
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
        return await self.dedupe.first_time("wechat", key)

    async def retried(self, key: str) -> list[str] | None:
        """Record a later attempt; returns passive texts to resend when they were lost."""
        first = await self.dedupe.seen_at("wechat", key)
        if first is None or self.clock() - first < RETRY_GAP:
            return None  # a duplicate delivery, not WeChat's timeout retry

        def change(old: str | None) -> Change | None:
            state = _load(old)
            name = state.get("state", "processing")
            if name == "processing":
                return _state("retried")
            if name == "passive":
                return _state("resent", texts=state.get("texts", []))
            return None

        return _resent(await self.values.update(self._key(key), change))

    async def passive_sent(self, key: str, texts: list[str]) -> list[str] | None:
        """Record a passive reply; returns it for resending if a retry already came."""

        def change(old: str | None) -> Change | None:
            name = _load(old).get("state", "processing")
            if name == "processing":
                return _state("passive", texts=texts)
            if name == "retried":
                return _state("resent", texts=texts)
            return None

        return _resent(await self.values.update(self._key(key), change))

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


def _resent(result: Change | None) -> list[str] | None:
    if result is None:
        return None
    state = json.loads(result[0])
    return list(state["texts"]) if state["state"] == "resent" else None
