"""The outbox dispatcher: claim due rows, render each in the user's current locale, send it
through the user's channel's sender, and record what happened.

Delivery is at least once. A row is marked sent right after its send, one row at a time, so a
crash between the two repeats at most that one message; rows claimed but not yet sent when a
process dies are claimed again once their claim expires. On PostgreSQL any number of
dispatchers run side by side (FOR UPDATE SKIP LOCKED hands each row to one of them); on SQLite
only the holder of the `reminders` lease claims rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select

from bot.core.channel import Channels
from bot.core.observe import SEND, send_outcome, signals
from bot.core.sender import SendResult
from bot.core.types import UserRef, utcnow
from bot.i18n import use_locale
from bot.reminders.lease import LeaseKeeper
from bot.reminders.pacing import Pacer, SharedPacer
from bot.reminders.render import Renderer, default_renderers
from bot.store.db import Database
from bot.store.outbox import OutboxMessage, OutboxStore
from bot.store.tables import User

OPTIONAL_KINDS = frozenset({"event_reminder"})  # what /reminders off stops

log = logging.getLogger(__name__)
LEASE_NAME = "reminders"


@dataclass(frozen=True)
class DispatcherConfig:
    batch_size: int = 50
    poll_seconds: float = 5.0
    lease_seconds: float = 60.0  # the SQLite lease, and how long a claimed row stays ours
    max_attempts: int = 8
    backoff_seconds: float = 30.0  # first retry after a transient failure; doubles each time
    backoff_max_seconds: float = 3600.0
    rate_per_second: float = 29.0  # per channel (shared by all dispatchers on PostgreSQL)
    default_locale: str = "en"


@dataclass
class Stats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    rate_limited: int = 0


class ReminderDispatcher:
    def __init__(
        self,
        db: Database,
        senders: Channels,
        config: DispatcherConfig | None = None,
        *,
        renderers: dict[str, Renderer] | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.senders = senders
        self.config = config or DispatcherConfig()
        self.renderers = renderers if renderers is not None else default_renderers()
        self.worker = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.outbox = OutboxStore(db)
        self.lease = LeaseKeeper(
            db, LEASE_NAME, self.worker, timedelta(seconds=self.config.lease_seconds)
        )
        self.stats = Stats()
        self._pacers: dict[str, Pacer | SharedPacer] = {}
        # Sent but not yet marked: at most one message at any time, which is what bounds the
        # repeats a crash can cause to one.
        self._unmarked: int | None = None
        self._conn: AsyncConnection | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set: claim and send whatever is due, then sleep a little."""
        log.info("reminder dispatcher %s started", self.worker)
        try:
            while not stop.is_set():
                try:
                    done = await self.run_once() if await self._may_claim() else 0
                except Exception:
                    log.exception("reminder cycle failed; retrying after a pause")
                    done = 0
                if done == 0:
                    await _wait(stop, self.config.poll_seconds)
        finally:
            try:
                await self._settle()
            except Exception:
                log.warning("could not mark the last message sent", exc_info=True)
            await self._close_conn()
            if not self.db.is_postgres:
                try:
                    await self.lease.release()
                except Exception:
                    log.warning("could not release the reminders lease", exc_info=True)
            log.info("reminder dispatcher %s stopped", self.worker)

    async def run_once(self) -> int:
        """One cycle: claim a batch and handle each row in turn; returns how many were claimed."""
        lease = timedelta(seconds=self.config.lease_seconds)
        rows = await self.outbox.claim(self.worker, limit=self.config.batch_size, lease=lease)
        users = await self._users({row.user_id for row in rows})
        handed_back: set[str] = set()
        try:
            for index, row in enumerate(rows):
                if row.channel in handed_back:
                    continue
                pacer = self._pacer(row.channel)
                if pacer.paused_for() > self.config.lease_seconds / 4:
                    # A long "retry after": give this channel's rows back rather than sit on them.
                    rest = [r.id for r in rows[index:] if r.channel == row.channel and r.id]
                    due = utcnow() + timedelta(seconds=pacer.paused_for())
                    await self.outbox.release(rest, self.worker, due)
                    handed_back.add(row.channel)
                    continue
                await self._handle(row, users.get(row.user_id))
        finally:
            try:
                await self._settle()
            finally:
                await self._close_conn()  # held for one batch only, never left checked out
        return len(rows)

    async def _settle(self) -> None:
        if self._unmarked is not None:
            await self.outbox.mark_sent(self._unmarked, self.worker)
            self._unmarked = None

    async def _settle_and_check(self, next_id: int) -> bool:
        if self._conn is None:
            self._conn = await self.db.engine.connect()
        try:
            async with self.db.writing():  # SQLite: this process's writers take turns
                still_ours = await self.outbox.settle_and_check(
                    self._conn, self._unmarked, next_id, self.worker
                )
        except Exception:
            await self._close_conn()  # a broken connection is not reused
            raise
        self._unmarked = None
        return still_ours

    async def _close_conn(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                await conn.close()

    async def _users(self, ids: set[int]) -> dict[int, User]:
        """The batch's users in one query (the locale is read now, at send time)."""
        if not ids:
            return {}
        async with self.db.session() as session:
            rows = await session.execute(select(User).where(col(User.id).in_(ids)))
            return {u.id: u for u in rows.scalars() if u.id is not None}

    async def _handle(self, row: OutboxMessage, user: User | None) -> None:
        assert row.id is not None
        if user is None:
            await self._cancel(row.id, "the user no longer exists")
            return
        if not user.reminders_enabled and row.kind in OPTIONAL_KINDS:
            # /reminders off stops event reminders only; notices (a cancelled event, a seat
            # freed from the waitlist) and the consultations a resident booked still go.
            await self._cancel(row.id, "the user turned reminders off")
            return
        if not user.active:
            self.stats.failed += 1
            reason = f"user inactive: {user.inactive_reason or 'unknown reason'}"
            await self.outbox.mark_failed(row.id, self.worker, reason)
            return
        renderer = self.renderers.get(row.kind)
        if renderer is None:
            self.stats.failed += 1
            await self.outbox.mark_failed(row.id, self.worker, f"no renderer for kind {row.kind!r}")
            return
        # The user's locale now, not when the reminder was written: they may have switched.
        with use_locale(user.locale or self.config.default_locale):
            replies = renderer(row.payload)
            await self._pacer(row.channel).acquire()
            # One short transaction marks the previous message sent and checks that this one
            # is still ours (not cancelled since the claim): half the round trips per message.
            still_ours = await self._settle_and_check(row.id)
            if not still_ours:
                return
            try:
                if self.senders.sender(user.channel) is None:
                    # Perhaps this process runs without that channel; another one may have it.
                    result = SendResult.retry(f"no sender for channel {user.channel!r} here")
                else:
                    ref = UserRef(user.channel, user.external_id)
                    result = await self.senders.send(ref, replies)
            except Exception as exc:  # a sender bug or a network error: try again later
                log.warning("sender for %s raised", user.channel, exc_info=True)
                result = SendResult.retry(f"{type(exc).__name__}: {exc}")
        await self._record(row, result)

    async def _record(self, row: OutboxMessage, result: SendResult) -> None:
        assert row.id is not None
        signals.emit(
            SEND, channel=row.channel, result=send_outcome(result.status, result.retry_after)
        )
        if result.status == "sent":
            self.stats.sent += 1
            self._unmarked = row.id  # marked just before the next send, or at the batch's end
            return
        reason = result.reason or result.status
        if result.status == "failed":
            self.stats.failed += 1
            log.info("outbox %s failed for good: %s", row.id, reason)
            await self.outbox.mark_failed(row.id, self.worker, reason)
            return
        if result.retry_after is not None:
            # The platform told us how long to wait: the whole channel waits, not just this row,
            # and this row is not counted against its attempts.
            self.stats.rate_limited += 1
            await self._pacer(row.channel).pause(result.retry_after)
            due = utcnow() + timedelta(seconds=result.retry_after)
            await self.outbox.release([row.id], self.worker, due)
            return
        if row.attempts >= self.config.max_attempts:
            self.stats.failed += 1
            reason = f"gave up after {row.attempts} attempts: {reason}"
            await self.outbox.mark_failed(row.id, self.worker, reason)
            return
        self.stats.retried += 1
        delay = min(
            self.config.backoff_max_seconds,
            self.config.backoff_seconds * 2 ** max(0, row.attempts - 1),
        ) * random.uniform(0.9, 1.1)  # spread retries so they do not arrive in one wave
        await self.outbox.reschedule(
            row.id, self.worker, utcnow() + timedelta(seconds=delay), reason
        )

    async def _cancel(self, row_id: int, reason: str) -> None:
        self.stats.cancelled += 1
        await self.outbox.mark_cancelled(row_id, self.worker, reason)

    async def _may_claim(self) -> bool:
        if self.db.is_postgres:
            return True  # rows are shared out by SKIP LOCKED; no single holder needed
        return await self.lease.hold()

    def _pacer(self, channel: str) -> Pacer | SharedPacer:
        if channel not in self._pacers:
            rate = self.config.rate_per_second
            self._pacers[channel] = (
                SharedPacer(self.db, channel, rate) if self.db.is_postgres else Pacer(rate)
            )
        return self._pacers[channel]


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
