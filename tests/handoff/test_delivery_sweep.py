"""The sweep, on SQLite and PostgreSQL: staff replies that nobody is delivering (a claim left
by a process that died, a reply left pending) go out without anyone writing again or
pressing *Send again*; a reply another process is sending now is left to it; and sweeps in
several processes at once send each reply once, in order."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core.types import utcnow
from bot.handlers.handoff.delivery import add_staff_reply, deliver_unattended
from bot.reminders.handoff_sweep import HandoffSweep, handoff_sweep_component
from bot.runtime import component_factories
from bot.services import Services
from bot.store.handoff.conversations import STALE_CLAIM, UNATTENDED_PENDING
from bot.store.handoff.tables import FROM_STAFF, PENDING, SENDING, SENT, HandoffConversation
from bot.web.serve import web_worker_keeps
from tests.consultations.helpers import make_user
from tests.handoff.processes import Process, open_conversation, replies_of

LONG_AGO = STALE_CLAIM + timedelta(seconds=5)


async def _died_sending(process: Process, conversation: HandoffConversation, text: str) -> None:
    """The process claimed the reply long ago and died before recording how it went."""
    assert conversation.id is not None
    await add_staff_reply(process.services, conversation, None, text)
    dead = await process.services.handoff.claim_next(conversation.id, now=utcnow() - LONG_AGO)
    assert dead is not None and dead.text == text


async def _written_a_while_ago(services: Services, conversation_id: int, text: str) -> None:
    """A reply whose writer died (or failed) between the commit and the delivery."""
    written = utcnow() - UNATTENDED_PENDING - timedelta(seconds=5)
    await services.handoff.add_message(conversation_id, FROM_STAFF, text, now=written)


async def test_a_reply_a_dead_process_was_sending_goes_out_with_the_sweep(
    two: tuple[Process, Process],
) -> None:
    a, b = two
    conversation = await open_conversation(a.services)
    assert conversation.id is not None
    await _died_sending(a, conversation, "first")
    await add_staff_reply(a.services, conversation, None, "second")  # a died before sending

    # Nobody writes again: b's sweep sends both, in order.
    assert await deliver_unattended(b.services) == 1
    assert b.sender.mine() == ["first", "second"]
    rows = await replies_of(b.services, conversation.id)
    assert [(r.delivery, r.claimed_at) for r in rows] == [(SENT, None), (SENT, None)]
    assert await deliver_unattended(b.services) == 0  # nothing left for the next sweep


async def test_a_reply_left_pending_goes_out_once_nobody_sent_it_for_a_while(
    two: tuple[Process, Process],
) -> None:
    a, b = two
    just_written = await open_conversation(a.services, "r1")
    left = await open_conversation(a.services, "r2")
    on_wechat, _new = await a.services.handoff.open(
        await make_user(a.services.db, "r3"), "wechat", "en"
    )
    assert just_written.id and left.id and on_wechat.id
    # Written a moment ago: its writer is about to send it; the sweep leaves it be.
    await add_staff_reply(a.services, just_written, None, "just now")
    await _written_a_while_ago(a.services, left.id, "left behind")
    # No WeChat sender in these processes: that reply waits for one, rather than failing.
    await _written_a_while_ago(a.services, on_wechat.id, "for WeChat")

    assert await deliver_unattended(b.services) == 1
    assert b.sender.mine() == ["left behind"]
    assert [r.delivery for r in await replies_of(b.services, left.id)] == [SENT]
    assert [r.delivery for r in await replies_of(b.services, just_written.id)] == [PENDING]
    assert [r.delivery for r in await replies_of(b.services, on_wechat.id)] == [PENDING]


async def test_a_reply_another_process_is_sending_now_is_left_to_it(
    two: tuple[Process, Process],
) -> None:
    a, b = two
    conversation = await open_conversation(a.services)
    assert conversation.id is not None
    await add_staff_reply(a.services, conversation, None, "first")
    # a claimed "first" a minute ago and is still sending it; "second" waits behind it.
    busy = await a.services.handoff.claim_next(conversation.id, now=utcnow() - timedelta(minutes=1))
    assert busy is not None
    await _written_a_while_ago(a.services, conversation.id, "second")

    assert await b.services.handoff.unattended(["web"]) == []
    assert await deliver_unattended(b.services) == 0
    assert b.sender.wire.sent == []
    rows = await replies_of(b.services, conversation.id)
    assert [r.delivery for r in rows] == [SENDING, PENDING]
    assert rows[0].claimed_at == busy.claimed_at  # a's claim still stands


async def test_two_sweeps_at_once_send_each_reply_once_and_in_order(
    two: tuple[Process, Process],
) -> None:
    a, b = two
    conversations = [await open_conversation(a.services, f"r{n}") for n in range(4)]
    for n, conversation in enumerate(conversations):
        assert conversation.id is not None
        await _died_sending(a, conversation, f"c{n}-0")
        for k in (1, 2):
            await _written_a_while_ago(a.services, conversation.id, f"c{n}-{k}")

    await asyncio.gather(*(deliver_unattended(p.services) for p in (a, b, a, b)))
    wire = a.sender.wire
    texts = [text for _who, text in wire.sent]
    expected = [f"c{n}-{k}" for n in range(4) for k in range(3)]
    assert sorted(texts) == expected  # each reply once
    for n in range(4):  # and each conversation's in order
        assert [t for t in texts if t.startswith(f"c{n}-")] == expected[3 * n : 3 * n + 3]
    for conversation in conversations:
        assert conversation.id is not None
        assert {r.delivery for r in await replies_of(a.services, conversation.id)} == {SENT}


async def test_the_sweep_runs_beside_the_reminders_and_not_in_every_web_worker(
    two: tuple[Process, Process],
) -> None:
    a, _b = two
    assert handoff_sweep_component in component_factories()
    sweep = HandoffSweep(a.services, every=0.02)
    assert not web_worker_keeps(0, a.services.settings)(sweep)
    conversation = await open_conversation(a.services)
    assert conversation.id is not None
    await _died_sending(a, conversation, "first")
    await sweep.start()
    try:
        for _ in range(200):
            if a.sender.mine():
                break
            await asyncio.sleep(0.02)
    finally:
        await sweep.stop()
    assert a.sender.mine() == ["first"]
