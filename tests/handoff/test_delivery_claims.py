"""Staff replies across worker processes, on SQLite and PostgreSQL: each reply is handed to
the channel once and in order, whichever process sends it, because a process claims a reply
in the database (pending → sending) before it sends. Two processes are two `Database`s on
the same database, each with its own services and channel sender."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy import text

from bot.core.types import utcnow
from bot.handlers.handoff.delivery import add_staff_reply, deliver_pending, deliver_reply
from bot.store.handoff.conversations import STALE_CLAIM
from bot.store.handoff.tables import PENDING, SENDING, SENT, HandoffConversation
from tests.handoff.processes import Process, open_conversation, replies_of


async def test_two_processes_send_each_reply_once_and_in_order(
    two: tuple[Process, Process],
) -> None:
    a, b = two
    conversation = await open_conversation(a.services)
    wire = a.sender.wire

    async def staff(process: Process, name: str, count: int) -> None:
        """One staff member typing replies as fast as they go, each delivered at once."""
        for n in range(count):
            await asyncio.sleep(random.uniform(0, 0.004))
            message = await add_staff_reply(process.services, conversation, None, f"{name}{n}")
            if n % 3 == 0:
                await deliver_reply(process.services, conversation, message)
            else:
                await deliver_pending(process.services, conversation)

    # Two staff members on each process, 20 replies in all, delivered concurrently.
    await asyncio.gather(
        staff(a, "a-one-", 5), staff(a, "a-two-", 5), staff(b, "b-one-", 5), staff(b, "b-two-", 5)
    )
    assert conversation.id is not None
    rows = await replies_of(a.services, conversation.id)
    assert len(rows) == 20
    # Nothing left waiting, though nobody asked again after the last reply.
    assert {(r.delivery, r.claimed_at) for r in rows} == {(SENT, None)}
    # Each reply reached the resident once, in the transcript's order, one send at a time.
    assert [text for _who, text in wire.sent] == [r.text for r in rows]
    assert wire.most_at_once == 1
    assert a.sender.mine() and b.sender.mine()  # both processes did send some


async def test_a_process_finding_another_one_sending_leaves_its_reply_to_it(
    two: tuple[Process, Process],
) -> None:
    a, b = two
    conversation = await open_conversation(a.services)
    assert conversation.id is not None
    a.sender.gate = asyncio.Event()  # a's channel is slow: a's first send hangs
    await add_staff_reply(a.services, conversation, None, "first")
    sending = asyncio.create_task(deliver_pending(a.services, conversation))
    await a.sender.started.wait()
    [claimed] = await replies_of(b.services, conversation.id)
    assert claimed.delivery == SENDING and claimed.claimed_at is not None

    # Meanwhile b's staff write twice: b sends nothing (a is sending) and returns at once.
    later = []
    for text_ in ("second", "third"):
        later.append(await add_staff_reply(b.services, conversation, None, text_))
        await asyncio.wait_for(deliver_pending(b.services, conversation), 5)
    assert b.sender.mine() == []
    assert [r.delivery for r in await replies_of(b.services, conversation.id)] == [
        SENDING,
        PENDING,
        PENDING,
    ]

    # a's channel answers: a's loop sends b's replies too, after its own.
    a.sender.gate.set()
    await asyncio.wait_for(sending, 5)
    assert a.sender.mine() == ["first", "second", "third"]
    assert b.sender.mine() == []
    assert [r.delivery for r in await replies_of(a.services, conversation.id)] == [SENT] * 3
    # b asking for its reply's outcome learns it (a sent it).
    third = await deliver_reply(b.services, conversation, later[-1])
    assert third.delivery == SENT


async def test_a_reply_added_as_the_other_loop_ends_is_not_left_behind(
    two: tuple[Process, Process],
) -> None:
    """The race at the end of a loop, many times over: b adds a reply just as a records its
    last outcome and claims again; one of them always sends b's reply."""
    a, b = two
    conversation = await open_conversation(a.services)
    assert conversation.id is not None
    for round_ in range(15):
        await add_staff_reply(a.services, conversation, None, f"a{round_}")
        await asyncio.gather(
            deliver_pending(a.services, conversation),
            _add_then_deliver(b, conversation, f"b{round_}", random.uniform(0, 0.01)),
        )
        rows = await replies_of(a.services, conversation.id)
        assert [r.delivery for r in rows] == [SENT] * len(rows), f"round {round_}"
    wire = a.sender.wire
    assert [text for _who, text in wire.sent] == [r.text for r in rows]


async def _add_then_deliver(
    process: Process, conversation: HandoffConversation, text: str, delay: float
) -> None:
    await asyncio.sleep(delay)
    await add_staff_reply(process.services, conversation, None, text)
    await deliver_pending(process.services, conversation)


async def test_a_claim_left_by_a_dead_process_is_taken_again_once_stale(
    two: tuple[Process, Process],
) -> None:
    a, b = two
    conversation = await open_conversation(a.services)
    assert conversation.id is not None
    await add_staff_reply(a.services, conversation, None, "first")
    # a claimed "first" long ago and died before recording how the send went.
    long_ago = utcnow() - STALE_CLAIM - timedelta(seconds=5)
    dead = await a.services.handoff.claim_next(conversation.id, now=long_ago)
    assert dead is not None and dead.text == "first" and dead.delivery == SENDING
    second = await add_staff_reply(b.services, conversation, None, "second")

    # b's delivery neither waits for it nor skips it: "first" is sent again (at least once).
    delivered = await deliver_reply(b.services, conversation, second)
    assert delivered.delivery == SENT
    assert b.sender.mine() == ["first", "second"]
    rows = await replies_of(b.services, conversation.id)
    assert [(r.delivery, r.claimed_at) for r in rows] == [(SENT, None), (SENT, None)]
    # Had the dead claim's process come back, its outcome is no longer its to record.
    assert not await a.services.handoff.record_delivery(dead, SENT)


async def test_a_fresh_claim_holds_the_other_process_back(
    two: tuple[Process, Process],
) -> None:
    a, b = two
    conversation = await open_conversation(a.services)
    assert conversation.id is not None
    await add_staff_reply(a.services, conversation, None, "first")
    # a claimed "first" a minute ago and is still sending it.
    recent = utcnow() - timedelta(minutes=1)
    assert recent > utcnow() - STALE_CLAIM
    busy = await a.services.handoff.claim_next(conversation.id, now=recent)
    assert busy is not None
    await add_staff_reply(b.services, conversation, None, "second")
    assert await b.services.handoff.claim_next(conversation.id) is None
    await deliver_pending(b.services, conversation)
    assert b.sender.mine() == []
    assert [r.delivery for r in await replies_of(b.services, conversation.id)] == [SENDING, PENDING]
    assert await b.services.handoff.in_flight(conversation.id)

    # a records its outcome and goes on: "second" is next, sent by a.
    assert await a.services.handoff.record_delivery(busy, SENT)
    await deliver_pending(a.services, conversation)
    assert a.sender.mine() == ["second"]
    assert [r.delivery for r in await replies_of(a.services, conversation.id)] == [SENT, SENT]
    assert not await a.services.handoff.in_flight(conversation.id)


async def test_claims_made_at_once_from_two_processes_take_one_reply_the_oldest(
    two: tuple[Process, Process],
) -> None:
    """On PostgreSQL the conversation's advisory lock makes "nobody else is sending" and the
    claim one step; SQLite's single writer does the same."""
    a, b = two
    conversation = await open_conversation(a.services)
    assert conversation.id is not None
    cid = conversation.id
    for n in range(4):
        await add_staff_reply(a.services, conversation, None, f"r{n}")
    for n in range(4):
        claims = await asyncio.gather(
            *(p.services.handoff.claim_next(cid) for p in (a, b, a, b, a, b, a, b, a, b))
        )
        taken = [c for c in claims if c is not None]
        assert [c.text for c in taken] == [f"r{n}"]
        assert await a.services.handoff.record_delivery(taken[0], SENT)
    assert [
        c is None
        for c in await asyncio.gather(*(p.services.handoff.claim_next(cid) for p in (a, b)))
    ] == [True, True]


async def test_reply_ids_follow_commit_order_within_aopen_conversation(
    two: tuple[Process, Process],
) -> None:
    """Delivery takes the oldest id first, so a reply must not take its id before an older
    one of the same conversation commits: while one is being added, another waits before
    it takes an id (PostgreSQL: the conversation's row lock; SQLite: the one writer)."""
    a, b = two
    conversation = await open_conversation(a.services)
    assert conversation.id is not None
    db = a.services.db
    async with db.unit_of_work():
        first = await add_staff_reply(a.services, conversation, None, "first")
        adding = asyncio.create_task(add_staff_reply(b.services, conversation, None, "second"))
        await asyncio.sleep(0.3)
        assert not adding.done()
        if db.is_postgres:  # a sequence is not transactional: an id taken shows at once
            async with b.services.db.session() as session:
                taken = await session.execute(
                    text("SELECT last_value FROM handoff_messages_id_seq")
                )
                assert taken.scalar() == first.id
    second = await asyncio.wait_for(adding, 10)
    assert first.id is not None and second.id is not None and second.id > first.id
