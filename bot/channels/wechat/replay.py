"""Refuse replayed WeChat requests: one signed query string, one message.

WeChat signs only token + timestamp + nonce in the query string (and, encrypted, the
`Encrypt` element), so in plaintext mode a captured query string would carry any body — any
openid, any text — for as long as its timestamp is within the window. The first request
with a (timestamp, nonce, signature) records a digest of its message in `shared_values`,
visible to every worker, for twice the timestamp window; a later request with the same
query is refused unless it carries the very same message, which is WeChat's own retry (its
retries repeat the request unchanged) and is answered once by the message ledger.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.shared import SharedValues

PREFIX = "wechat:seen:"


class ReplayGuard:
    def __init__(self, db: Database, window_seconds: int) -> None:
        self.values = SharedValues(db)
        self.keep = timedelta(seconds=2 * window_seconds)

    async def first_use(self, query: Mapping[str, str], message_xml: str) -> bool:
        """True unless this signed query was used before for a different message."""
        key = f"{PREFIX}{query['timestamp']}:{query['signature'].lower()}:{query['nonce']}"
        digest = hashlib.sha256(message_xml.encode("utf-8", "surrogatepass")).hexdigest()
        verdict: list[bool] = []

        def change(old: str | None) -> tuple[str, datetime | None] | None:
            verdict.append(old is None or old == digest)
            return (digest, utcnow() + self.keep) if old is None else None

        await self.values.update(key[:128], change)
        return verdict[0]

    async def prune(self) -> int:
        return await self.values.prune(PREFIX)
