"""The handoff store: open, find, write to, claim, transfer and close a conversation.

Every rule is one statement in the database, so it holds across workers: a resident has at
most one live conversation (a unique key), and a claim is an UPDATE that only succeeds
while nobody holds the conversation — two staff claiming at once, exactly one wins.

Staff replies are delivered the same way (bot/handlers/handoff/delivery.py): a process takes
a reply for sending with `claim_next`, an UPDATE from pending to sending that only succeeds
while the row is still pending and no other reply of the conversation is being sent, so
each reply is handed to the channel once, oldest first, whichever worker sends it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from bot.core.types import UserRef, utcnow
from bot.store.db import ADVISORY_LOCK, Database, lock_id
from bot.store.handoff.tables import (
    CLAIMED,
    CLOSED,
    FAILED,
    FROM_BOT,
    FROM_RESIDENT,
    FROM_STAFF,
    OPEN,
    PENDING,
    SENDING,
    UNDELIVERABLE,
    HandoffAttachment,
    HandoffConversation,
    HandoffMessage,
)
from bot.store.tables import User

MAX_TEXT = 4000
# A reply claimed for sending longer ago than this was left by a process that died (or was
# killed) mid-send: its claim counts as abandoned and the reply is taken again, so that
# reply is sent at least once, not exactly once (the resident may get it twice if the dead
# process had in fact handed it over). Well above the longest send a live process makes:
# Telegram waits out up to five 429s (seconds to tens of seconds each) and two network
# retries, WeChat's API calls time out after 10 s. A crash holds the conversation's
# deliveries up for this long at most, until the sweep (`unattended`), the next reply or
# *Send again* takes it.
STALE_CLAIM = timedelta(minutes=5)
# A reply pending this long with nobody sending the conversation's replies was left by a
# process that wrote it and died (or failed) before delivering it: the sweep sends it. The
# writer itself claims it within milliseconds of the commit, so this only has to be well
# above a slow commit-to-claim, not above a send.
UNATTENDED_PENDING = timedelta(minutes=1)
_CONVERSATIONS = HandoffConversation.__table__  # type: ignore[attr-defined]
_LIVE_ID = sa_select(_CONVERSATIONS.c.id).where(_CONVERSATIONS.c.open_key == bindparam("user"))
_USERS = User.__table__  # type: ignore[attr-defined]
_LIVE_FOR_REF = (
    sa_select(_CONVERSATIONS.c.id)
    .join(_USERS, _USERS.c.id == _CONVERSATIONS.c.open_key)
    .where(_USERS.c.channel == bindparam("channel"), _USERS.c.external_id == bindparam("external"))
)


@dataclass(frozen=True)
class Delivery:
    """Where one staff reply stands: pending, sending, sent, failed or undeliverable."""

    message_id: int
    state: str
    note: str | None


@dataclass(frozen=True)
class InboxRow:
    """One conversation as the inbox lists it."""

    conversation: HandoffConversation
    user: User
    last_text: str | None


class HandoffStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def live_for(self, user_id: int) -> HandoffConversation | None:
        """The resident's open or claimed conversation, if any. Asked of every message a
        resident writes, nearly always to find none: a plain id lookup first, the row
        through the ORM only when there is one."""
        found = await self.db.read_row(_LIVE_ID, {"user": user_id})
        if found is None:
            return None
        async with self.db.session() as session:
            return await session.get(HandoffConversation, found[0])

    async def is_live(self, user: UserRef) -> bool:
        """Whether the resident has an open or claimed conversation: one read by two unique
        keys, for a page that shows what only a live conversation offers (a file upload)."""
        params = {"channel": user.channel, "external": user.external_id}
        return await self.db.read_row(_LIVE_FOR_REF, params) is not None

    async def open(
        self,
        user_id: int,
        channel: str,
        locale: str,
        *,
        context: dict[str, Any] | None = None,
        waits_until: datetime | None = None,
        now: datetime | None = None,
    ) -> tuple[HandoffConversation, bool]:
        """The resident's live conversation, opened now if there is none; True if new."""
        existing = await self.live_for(user_id)
        if existing is not None:
            return existing, False
        now = now or utcnow()
        row = HandoffConversation(
            user_id=user_id,
            open_key=user_id,
            channel=channel,
            locale=locale,
            context=context or {},
            waits_until=waits_until,
            opened_at=now,
            last_activity_at=now,
        )
        try:
            async with self.db.transaction() as session:
                session.add(row)
                await session.flush()
        except IntegrityError:  # opened by another worker a moment ago
            again = await self.live_for(user_id)
            if again is None:
                raise
            return again, False
        return row, True

    async def get(self, conversation_id: int) -> HandoffConversation | None:
        async with self.db.session() as session:
            return await session.get(HandoffConversation, conversation_id)

    async def add_message(
        self,
        conversation_id: int,
        direction: str,
        text: str,
        *,
        author_id: int | None = None,
        emergency: bool = False,
        via_group: bool = False,
        now: datetime | None = None,
    ) -> HandoffMessage:
        """Append to the transcript; a resident's message counts as unread for staff.
        `via_group`: a staff reply written in the staff Telegram group."""
        now = now or utcnow()
        message = HandoffMessage(
            conversation_id=conversation_id,
            direction=direction,
            text=text[:MAX_TEXT],
            author_id=author_id,
            created_at=now,
            delivery=PENDING if direction == FROM_STAFF else None,
            emergency=emergency,
            via_group=via_group,
        )
        values: dict[str, Any] = {"last_activity_at": now}
        if direction == FROM_RESIDENT:
            values["unread"] = HandoffConversation.unread + 1
        if emergency:
            values["alert"] = True
        async with self.db.transaction() as session:
            # The conversation's row first: on PostgreSQL its row lock then queues the
            # conversation's writers before the message takes its id, so ids follow commit
            # order within a conversation, and delivery (oldest id first) never sees a reply
            # before an older one commits. (SQLite: one writer at a time anyway.)
            await session.execute(
                update(HandoffConversation)
                .where(col(HandoffConversation.id) == conversation_id)
                .values(**values)
            )
            session.add(message)
            await session.flush()
        return message

    async def record_emergency(
        self, user_id: int, text: str, answer: str, now: datetime | None = None
    ) -> HandoffConversation | None:
        """The emergency guard answered a resident in a live conversation: both go into
        the transcript and the conversation is flagged for staff. None: no conversation."""
        live = await self.live_for(user_id)
        if live is None or live.id is None:
            return None
        await self.add_message(live.id, FROM_RESIDENT, text, emergency=True, now=now)
        await self.add_message(live.id, FROM_BOT, answer, emergency=True, now=now)
        return live

    async def claim(self, conversation_id: int, staff_id: int) -> bool:
        """Take an unclaimed open conversation; False when someone else was first."""
        return await self._update_if(
            conversation_id,
            [
                col(HandoffConversation.status) == OPEN,
                col(HandoffConversation.claimed_by).is_(None),
            ],
            status=CLAIMED,
            claimed_by=staff_id,
        )

    async def transfer(self, conversation_id: int, staff_id: int) -> bool:
        """Hand a live conversation to another staff member."""
        return await self._update_if(
            conversation_id,
            [col(HandoffConversation.status) != CLOSED],
            status=CLAIMED,
            claimed_by=staff_id,
        )

    async def close(self, conversation_id: int, now: datetime | None = None) -> bool:
        """End a live conversation (the bot answers the resident again); False if it was."""
        return await self._update_if(
            conversation_id,
            [col(HandoffConversation.status) != CLOSED],
            status=CLOSED,
            open_key=None,
            closed_at=now or utcnow(),
        )

    async def mark_read(self, conversation_id: int) -> None:
        await self._update_if(conversation_id, [], unread=0, alert=False)

    async def rate(self, conversation_id: int, user_id: int, helpful: bool) -> bool:
        """The resident's 👍/👎 on a closed conversation of theirs."""
        return await self._update_if(
            conversation_id,
            [
                col(HandoffConversation.user_id) == user_id,
                col(HandoffConversation.status) == CLOSED,
            ],
            helpful=helpful,
        )

    async def _update_if(self, conversation_id: int, conditions: list[Any], **values: Any) -> bool:
        """One conditional UPDATE of a conversation (how every rule here holds across
        workers); True if it matched."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(HandoffConversation)
                .where(col(HandoffConversation.id) == conversation_id, *conditions)
                .values(**values)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim_next(
        self, conversation_id: int, now: datetime | None = None
    ) -> HandoffMessage | None:
        """Take the conversation's oldest pending reply for sending (pending → sending, with
        `claimed_at`), so that no other process sends it; None when there is none, or when
        another reply of the conversation is being sent (that process's loop sends the rest,
        in order). A claim older than STALE_CLAIM counts as abandoned: it neither holds the
        conversation up nor keeps its reply from being taken again.

        One short write transaction, never held across the send. On PostgreSQL the
        conversation's claims queue on a transaction-level advisory lock, so the check that
        nobody is sending and the UPDATE see every claim and result committed before (each
        statement after the lock reads afresh, READ COMMITTED); on SQLite the single
        writer serialises the transactions. The UPDATE also requires the row to be still
        claimable, so two claimers never get the same row even without the lock."""
        now = now or utcnow()
        m = HandoffMessage
        stale = now - STALE_CLAIM
        abandoned = (col(m.delivery) == SENDING) & or_(
            col(m.claimed_at).is_(None), col(m.claimed_at) <= stale
        )
        claimable = or_(col(m.delivery) == PENDING, abandoned)
        async with self.db.transaction() as session:
            if self.db.is_postgres:
                key = lock_id(f"handoff-delivery:{conversation_id}")
                await session.execute(ADVISORY_LOCK, {"k": key})
            busy = await session.execute(
                select(m.id)
                .where(
                    col(m.conversation_id) == conversation_id,
                    col(m.delivery) == SENDING,
                    col(m.claimed_at) > stale,
                )
                .limit(1)
            )
            if busy.first() is not None:
                return None
            while True:
                found = (
                    await session.execute(
                        select(m)
                        .where(col(m.conversation_id) == conversation_id, claimable)
                        .order_by(col(m.id))
                        .limit(1)
                    )
                ).scalar_one_or_none()
                if found is None:
                    return None
                taken = await session.execute(
                    update(m)
                    .where(col(m.id) == found.id, claimable)
                    .values(delivery=SENDING, claimed_at=now)
                    .execution_options(synchronize_session=False)
                )
                session.expunge(found)  # the row as claimed, not written back by the ORM
                if taken.rowcount:  # type: ignore[attr-defined]
                    found.delivery, found.claimed_at = SENDING, now
                    return found
                # Gone meanwhile (the resident's data deleted): the next one, if any.

    async def record_delivery(
        self, message: HandoffMessage, delivery: str, note: str | None = None
    ) -> bool:
        """How the send of a reply claimed by `claim_next` went (sent, failed or
        undeliverable, with the reason); the claim ends. False when the claim was no longer
        this one (it went stale and another process took the reply again): that process
        records the outcome, and goes on with the conversation's next replies."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(HandoffMessage)
                .where(
                    col(HandoffMessage.id) == message.id,
                    col(HandoffMessage.delivery) == SENDING,
                    col(HandoffMessage.claimed_at) == message.claimed_at,
                )
                .values(
                    delivery=delivery,
                    delivery_note=(note or None) and note[:300],
                    claimed_at=None,
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def in_flight(self, conversation_id: int, now: datetime | None = None) -> bool:
        """Whether replies of the conversation wait to be sent or are being sent (by any
        process; an abandoned claim does not count)."""
        m = HandoffMessage
        stale = (now or utcnow()) - STALE_CLAIM
        async with self.db.session() as session:
            found = await session.execute(
                select(m.id)
                .where(
                    col(m.conversation_id) == conversation_id,
                    or_(
                        col(m.delivery) == PENDING,
                        (col(m.delivery) == SENDING) & (col(m.claimed_at) > stale),
                    ),
                )
                .limit(1)
            )
            return found.first() is not None

    async def unattended(
        self, channels: Collection[str], now: datetime | None = None, limit: int = 100
    ) -> list[HandoffConversation]:
        """Conversations on `channels` whose replies nobody is delivering: one was claimed
        longer ago than STALE_CLAIM (its process died mid-send), or has been pending for
        UNATTENDED_PENDING, and no reply of the conversation is being sent now. Oldest
        conversation first."""
        now = now or utcnow()
        m, other = HandoffMessage, aliased(HandoffMessage)
        stale = now - STALE_CLAIM
        left = or_(
            (col(m.delivery) == SENDING)
            & or_(col(m.claimed_at).is_(None), col(m.claimed_at) <= stale),
            (col(m.delivery) == PENDING) & (col(m.created_at) <= now - UNATTENDED_PENDING),
        )
        sending_now = exists().where(
            col(other.conversation_id) == col(m.conversation_id),
            col(other.delivery) == SENDING,
            col(other.claimed_at) > stale,
        )
        waiting = select(m.conversation_id).where(left, ~sending_now)
        async with self.db.session() as session:
            query = (
                select(HandoffConversation)
                .where(
                    col(HandoffConversation.id).in_(waiting),
                    col(HandoffConversation.channel).in_(list(channels)),
                )
                .order_by(col(HandoffConversation.id))
                .limit(limit)
            )
            return list((await session.execute(query)).scalars())

    async def requeue(self, conversation_id: int) -> int:
        """Staff replies that did not arrive go back in line (to try again, in order)."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(HandoffMessage)
                .where(
                    col(HandoffMessage.conversation_id) == conversation_id,
                    col(HandoffMessage.delivery).in_([FAILED, UNDELIVERABLE]),
                )
                .values(delivery=PENDING, delivery_note=None)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def deliveries(self, conversation_id: int) -> list[Delivery]:
        """Where each staff reply of the conversation stands (what a live transcript redraws)."""
        m = HandoffMessage
        async with self.db.session() as session:
            found = await session.execute(
                select(m.id, m.delivery, m.delivery_note)
                .where(col(m.conversation_id) == conversation_id, col(m.delivery).is_not(None))
                .order_by(col(m.id))
            )
            return [Delivery(i, d, n) for i, d, n in found.all() if i is not None and d]

    async def delivery_version(self, conversation_id: int) -> str:
        """Changes whenever a staff reply of the conversation changes state: what a live
        transcript's stream adds to `version`. Per state, how many replies and the sum of
        their ids, so that two replies swapping states between two looks still show."""
        m = HandoffMessage
        async with self.db.session() as session:
            found = await session.execute(
                select(m.delivery, func.count(col(m.id)), func.sum(col(m.id)))
                .where(col(m.conversation_id) == conversation_id, col(m.delivery).is_not(None))
                .group_by(col(m.delivery))
            )
            return ",".join(f"{state}={n}/{ids}" for state, n, ids in sorted(found.all()))

    async def message(self, message_id: int) -> HandoffMessage | None:
        async with self.db.session() as session:
            return await session.get(HandoffMessage, message_id)

    async def messages(self, conversation_id: int, after: int = 0) -> list[HandoffMessage]:
        async with self.db.session() as session:
            query = (
                select(HandoffMessage)
                .where(
                    col(HandoffMessage.conversation_id) == conversation_id,
                    col(HandoffMessage.id) > after,
                )
                .order_by(col(HandoffMessage.id))
            )
            return list((await session.execute(query)).scalars())

    async def inbox(self, *, staff_id: int | None = None, closed: bool = False) -> list[InboxRow]:
        """Live conversations (or the last closed ones), longest waiting first;
        `staff_id`: only those claimed by that staff member."""
        async with self.db.session() as session:
            query = select(HandoffConversation, User).join(
                User, col(User.id) == col(HandoffConversation.user_id)
            )
            if closed:
                query = query.where(col(HandoffConversation.status) == CLOSED).order_by(
                    col(HandoffConversation.closed_at).desc()
                )
                query = query.limit(50)
            else:
                query = query.where(col(HandoffConversation.status) != CLOSED).order_by(
                    col(HandoffConversation.opened_at)
                )
            if staff_id is not None:
                query = query.where(col(HandoffConversation.claimed_by) == staff_id)
            pairs = list((await session.execute(query)).all())
            last: dict[int, str] = {}
            ids = [c.id for c, _u in pairs if c.id is not None]
            if ids:
                newest = (
                    select(func.max(HandoffMessage.id))
                    .where(col(HandoffMessage.conversation_id).in_(ids))
                    .group_by(col(HandoffMessage.conversation_id))
                )
                rows = await session.execute(
                    select(HandoffMessage.conversation_id, HandoffMessage.text).where(
                        col(HandoffMessage.id).in_(newest)
                    )
                )
                last = {cid: text for cid, text in rows.all()}
            return [InboxRow(c, u, last.get(c.id or 0)) for c, u in pairs]

    async def for_user(self, user_id: int) -> list[HandoffConversation]:
        """Every conversation of a resident, newest first (their record in the console)."""
        async with self.db.session() as session:
            query = (
                select(HandoffConversation)
                .where(col(HandoffConversation.user_id) == user_id)
                .order_by(col(HandoffConversation.opened_at).desc())
            )
            return list((await session.execute(query)).scalars())

    async def version(self) -> str:
        """Changes whenever the inbox does (what the live page waits for)."""
        c = HandoffConversation
        async with self.db.session() as session:
            newest = (await session.execute(select(func.max(HandoffMessage.id)))).scalar()
            row = (
                await session.execute(
                    select(
                        func.count(col(c.id)),
                        func.coalesce(func.sum(col(c.unread)), 0),
                        func.coalesce(func.sum(col(c.claimed_by)), 0),
                        func.coalesce(func.sum(col(c.open_key)), 0),
                    )
                )
            ).one()
            return ":".join(str(v) for v in (newest or 0, *row))

    async def delete_for_user(self, user_id: int) -> int:
        """/privacy: every conversation and transcript of the resident."""
        async with self.db.transaction() as session:
            ids = select(HandoffConversation.id).where(col(HandoffConversation.user_id) == user_id)
            await session.execute(
                delete(HandoffAttachment).where(col(HandoffAttachment.conversation_id).in_(ids))
            )
            await session.execute(
                delete(HandoffMessage).where(col(HandoffMessage.conversation_id).in_(ids))
            )
            result = await session.execute(
                delete(HandoffConversation).where(col(HandoffConversation.user_id) == user_id)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]


__all__ = ["CLAIMED", "CLOSED", "FROM_BOT", "FROM_RESIDENT", "FROM_STAFF", "OPEN", "HandoffStore"]
