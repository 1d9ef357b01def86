"""The outbox: messages due at a time (reminders, notices), written in the transaction that causes
them and sent later by the reminder dispatcher (bot/reminders).

Status moves pending → sending (claimed by one dispatcher until `claimed_until`) → sent, or back
to pending with a later `due_at` (transient failure), or failed (permanent, reason in
`last_error`), or cancelled (its booking was cancelled or moved). A claim that outlives its
`claimed_until` — the dispatcher died between sending and marking — is claimed again: that is
the single repeat a crash may cause.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, and_, or_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import Field, SQLModel, col, select

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.tables import OFFLINE_CHANNELS
from bot.store.types import JSONType, UTCDateTime
from bot.store.upsert import insert_for

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"


class OutboxMessage(SQLModel, table=True):
    """One proactive message to one user, rendered in their locale when it is sent."""

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    channel: str = Field(sa_column=Column(String(16), nullable=False))
    kind: str = Field(sa_column=Column(String(64), nullable=False))
    payload: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(default=PENDING, sa_column=Column(String(16), nullable=False))
    attempts: int = Field(default=0, nullable=False)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    dedupe_key: str = Field(sa_column=Column(String(160), nullable=False, unique=True))
    claimed_by: str | None = Field(default=None, sa_column=Column(String(128)))
    claimed_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


Index(
    "ix_outbox_status_due",
    OutboxMessage.__table__.c.status,  # type: ignore[attr-defined]
    OutboxMessage.__table__.c.due_at,  # type: ignore[attr-defined]
)


async def enqueue(
    session: AsyncSession,
    *,
    user_id: int,
    channel: str,
    kind: str,
    payload: dict[str, Any],
    due_at: datetime,
    dedupe_key: str,
) -> bool:
    """Add a message inside the caller's transaction; False when the dedupe key already exists
    or the resident has no chat to send it to (a walk-in recorded by staff)."""
    if channel in OFFLINE_CHANNELS:
        return False
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    stmt = (
        insert_for(session.get_bind().dialect.name, table)
        .values(
            user_id=user_id,
            channel=channel,
            kind=kind,
            payload=payload,
            due_at=due_at,
            status=PENDING,
            attempts=0,
            dedupe_key=dedupe_key,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def cancel_prefix(session: AsyncSession, prefix: str, reason: str) -> int:
    """Cancel the unsent messages whose dedupe key starts with `prefix` (caller's transaction).

    Claimed rows are cancelled too: the dispatcher checks its claim right before sending.
    """
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result = await session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.dedupe_key).like(escaped + "%", escape="\\"),
            col(OutboxMessage.status).in_([PENDING, SENDING]),
        )
        .values(status=CANCELLED, last_error=reason[:500], claimed_by=None, claimed_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


class OutboxStore:
    """What the dispatcher does with the outbox; every method is its own short transaction."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def backlog(self, now: datetime | None = None) -> tuple[int, float]:
        """For the metrics: how many unsent messages are due, and how late the oldest is
        (seconds; 0 when nothing is due). One indexed query (status, due_at)."""
        from sqlalchemy import func

        now = now or utcnow()
        query = select(func.count(), func.min(OutboxMessage.due_at)).where(
            col(OutboxMessage.status).in_([PENDING, SENDING]), col(OutboxMessage.due_at) <= now
        )
        async with self.db.session() as session:
            count, oldest = (await session.execute(query)).one()
        if isinstance(oldest, str):  # SQLite's min() loses the column's type
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        lag = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        return int(count or 0), lag

    async def claim(
        self, worker: str, *, limit: int, lease: timedelta, now: datetime | None = None
    ) -> list[OutboxMessage]:
        """Take up to `limit` due rows for `worker` (FOR UPDATE SKIP LOCKED on PostgreSQL)."""
        now = now or utcnow()
        due = or_(
            and_(col(OutboxMessage.status) == PENDING, col(OutboxMessage.due_at) <= now),
            and_(col(OutboxMessage.status) == SENDING, col(OutboxMessage.claimed_until) < now),
        )
        query = select(OutboxMessage.id).where(due).order_by(col(OutboxMessage.due_at)).limit(limit)
        if self.db.is_postgres:
            query = query.with_for_update(skip_locked=True)
        async with self.db.transaction() as session:
            ids = list((await session.execute(query)).scalars())
            if not ids:
                return []
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(ids))
                .values(
                    status=SENDING,
                    claimed_by=worker,
                    claimed_until=now + lease,
                    attempts=col(OutboxMessage.attempts) + 1,
                )
            )
            rows = (
                await session.execute(
                    select(OutboxMessage)
                    .where(col(OutboxMessage.id).in_(ids))
                    .order_by(col(OutboxMessage.due_at))
                )
            ).scalars()
            return list(rows)

    async def settle_and_check(
        self, conn: AsyncConnection, sent_id: int | None, next_id: int, worker: str
    ) -> bool:
        """Mark `sent_id` sent (if any) and tell whether `next_id` is still ours to send.

        Runs on a connection the dispatcher keeps open: this is on the path of every message,
        and skipping the pool's checkout and reset halves its cost on SQLite.
        """
        async with conn.begin():
            if sent_id is not None:
                await conn.execute(
                    self._finish_stmt(sent_id, worker, status=SENT, sent_at=utcnow())
                )
            status = (
                await conn.execute(
                    select(OutboxMessage.status).where(
                        col(OutboxMessage.id) == next_id, col(OutboxMessage.claimed_by) == worker
                    )
                )
            ).scalar_one_or_none()
            return status == SENDING

    async def mark_sent(self, row_id: int, worker: str, now: datetime | None = None) -> None:
        await self._finish(row_id, worker, status=SENT, sent_at=now or utcnow())

    async def mark_failed(self, row_id: int, worker: str, reason: str) -> None:
        await self._finish(row_id, worker, status=FAILED, last_error=reason[:500])

    async def mark_cancelled(self, row_id: int, worker: str, reason: str) -> None:
        await self._finish(row_id, worker, status=CANCELLED, last_error=reason[:500])

    async def reschedule(self, row_id: int, worker: str, due_at: datetime, reason: str) -> None:
        """Back to pending, due again at `due_at` (a transient failure or a rate limit)."""
        await self._finish(row_id, worker, status=PENDING, due_at=due_at, last_error=reason[:500])

    async def release(self, row_ids: list[int], worker: str, due_at: datetime) -> None:
        """Give back claimed rows that were not tried (the channel asked us to wait)."""
        if not row_ids:
            return
        async with self.db.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id).in_(row_ids),
                    col(OutboxMessage.claimed_by) == worker,
                    col(OutboxMessage.status) == SENDING,
                )
                .values(
                    status=PENDING,
                    due_at=due_at,
                    claimed_by=None,
                    claimed_until=None,
                    attempts=col(OutboxMessage.attempts) - 1,
                )
            )

    async def _finish(self, row_id: int, worker: str, **values: Any) -> None:
        async with self.db.transaction() as session:
            await session.execute(self._finish_stmt(row_id, worker, **values))

    @staticmethod
    def _finish_stmt(row_id: int, worker: str, **values: Any) -> Any:
        """Only the claim's holder may finish a row, and only while it is still being sent."""
        return (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == row_id,
                col(OutboxMessage.claimed_by) == worker,
                col(OutboxMessage.status) == SENDING,
            )
            .values(claimed_by=None, claimed_until=None, **values)
        )

    async def next_due(self) -> datetime | None:
        """When the earliest pending row falls due (the dispatcher sleeps until then)."""
        async with self.db.session() as session:
            return (
                await session.execute(
                    select(OutboxMessage.due_at)
                    .where(OutboxMessage.status == PENDING)
                    .order_by(col(OutboxMessage.due_at))
                    .limit(1)
                )
            ).scalar_one_or_none()

    async def by_prefix(self, prefix: str) -> list[OutboxMessage]:
        """Rows whose dedupe key starts with `prefix` (for staff tools and tests)."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(OutboxMessage)
                .where(col(OutboxMessage.dedupe_key).startswith(prefix, autoescape=True))
                .order_by(col(OutboxMessage.id))
            )
            return list(rows.scalars())
