"""A booking's calendar files (issue 16, finding 5): one UID for its whole life, SEQUENCE up on
every move, and a METHOD:CANCEL file when the resident cancels — each file parsed back."""

from __future__ import annotations

from bot.core.types import Reply
from tests.consultations.helpers import future, make_slots
from tests.harness import Conversation
from tests.ics import ics_of


def _payload(replies: list[Reply], prefix: str) -> str:
    return next(b.payload for r in replies for b in r.buttons if b.payload.startswith(prefix))


async def test_book_move_move_cancel_keeps_one_uid_and_counts_up(
    conversation: Conversation,
) -> None:
    chat = conversation
    slots = await make_slots(chat.dispatcher.services.db, [future(48), future(72), future(96)])
    await chat.tap(f"book:time:{slots[0].id}")
    await chat.tap("book:skipnote")
    booked = await chat.tap(_payload(chat.last.replies, "book:confirm:"))  # type: ignore[union-attr]
    (first,) = ics_of(booked)
    assert (first.method, first.sequence, first.status) == ("PUBLISH", 0, "CONFIRMED")
    booking_id = int(first.uid.split("-")[1].split("@")[0])
    assert first.uid == f"booking-{booking_id}@linzhu"

    sequences = []
    for slot in slots[1:]:
        await chat.tap(f"book:rs:{booking_id}")
        await chat.tap(f"book:time:{slot.id}")
        moved = await chat.tap(f"book:move:{booking_id}:{slot.id}")
        (entry,) = ics_of(moved)
        assert entry.uid == first.uid and entry.method == "PUBLISH"
        assert entry.starts_at == slot.starts_at
        sequences.append(entry.sequence)
    assert sequences == [1, 2]

    await chat.tap(f"book:cx:{booking_id}")
    cancelled = await chat.tap(f"book:cxok:{booking_id}")
    (entry,) = ics_of(cancelled)
    assert entry.uid == first.uid
    assert (entry.method, entry.status) == ("CANCEL", "CANCELLED")
    assert entry.sequence == 3  # above every version the resident was sent


async def test_two_bookings_have_two_uids(conversation: Conversation) -> None:
    chat = conversation
    slots = await make_slots(chat.dispatcher.services.db, [future(48), future(72)])
    uids = set()
    for slot in slots:
        await chat.tap(f"book:time:{slot.id}")
        await chat.tap("book:skipnote")
        done = await chat.tap(_payload(chat.last.replies, "book:confirm:"))  # type: ignore[union-attr]
        uids |= {e.uid for e in ics_of(done)}
    assert len(uids) == 2
