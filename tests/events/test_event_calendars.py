"""An event registration's calendar files (issue 16, finding 5): one UID per registration,
SEQUENCE up when staff move the event, a METHOD:CANCEL file when the resident gives the place
up or staff cancel the event, and an .ics with the waitlist promotion notice."""

from __future__ import annotations

from datetime import timedelta

from bot.core.types import UserRef
from bot.events import render
from bot.i18n import use_locale
from bot.store.events.admin import EventAdmin, EventSpec
from bot.store.events.outbox import CANCELLED_KIND, CHANGED_KIND, PROMOTED_KIND
from bot.store.outbox import OutboxMessage
from tests.events.helpers import make_event, outbox_rows, soon
from tests.harness import Conversation
from tests.ics import ics_of


def _spec(starts, **changes) -> EventSpec:  # type: ignore[no-untyped-def]
    fields = {
        "key": "fair",
        "title": {"en": "Job fair", "ja": "就職フェア"},
        "description": {"en": "Meet employers."},
        "category": "jobs",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "place": "Gubei Citizen Centre",
        "capacity": 1,
        "status": "published",
    }
    return EventSpec(**{**fields, **changes})


def _rendered(row: OutboxMessage, locale: str = "en") -> list:  # type: ignore[type-arg]
    with use_locale(locale):
        return render.render(row.kind, row.payload)


async def test_sign_up_move_and_give_up(conversation: Conversation) -> None:
    chat = conversation
    db = chat.dispatcher.services.db
    starts = soon(72)
    admin = EventAdmin(db)
    (event,) = await admin.save([_spec(starts)])
    signed = await chat.tap(f"events:join:{event.id}")
    (first,) = ics_of(signed)
    assert first.method == "PUBLISH" and first.sequence == 0
    assert first.uid.startswith(f"event-{event.id}-registration-")

    # Staff move it: the resident is told, with the same UID and a higher SEQUENCE.
    later = starts + timedelta(hours=3)
    (moved,) = await admin.save([_spec(later)])
    assert moved.sequence == 1
    (notice,) = [r for r in await outbox_rows(db) if r.kind == CHANGED_KIND]
    (entry,) = ics_of(_rendered(notice, "ja"))
    assert entry.uid == first.uid and entry.sequence == 1 and entry.starts_at == later
    assert entry.summary == "就職フェア"
    # A change to nothing a calendar shows (the capacity) leaves the SEQUENCE alone.
    (same,) = await admin.save([_spec(later, capacity=5)])
    assert same.sequence == 1

    registration = int(first.uid.split("-registration-")[1].split("@")[0])
    given_up = await chat.tap(f"events:drop:{registration}")
    (cancel,) = ics_of(given_up)
    assert cancel.uid == first.uid
    assert (cancel.method, cancel.status, cancel.sequence) == ("CANCEL", "CANCELLED", 2)
    # The change notice, not sent yet, goes with the place.
    assert {r.status for r in await outbox_rows(db) if r.kind == CHANGED_KIND} == {"cancelled"}

    # Signing up again is a new registration: a new UID.
    again = await chat.tap(f"events:join:{event.id}")
    (fresh,) = ics_of(again)
    assert fresh.uid != first.uid and fresh.sequence == 1


async def test_promotion_notice_carries_the_calendar_file(conversation: Conversation) -> None:
    chat = conversation
    db = chat.dispatcher.services.db
    event_id = await make_event(db, capacity=1)
    await chat.tap(f"events:join:{event_id}")
    other = Conversation(chat.dispatcher, UserRef("web", "waiting"))
    waiting = await other.tap(f"events:join:{event_id}")
    assert ics_of(waiting) == []  # no seat, no calendar entry yet
    mine = await chat.dispatcher.services.events.registrations_for(
        (await chat.dispatcher.services.users.get(chat.user)).id  # type: ignore[union-attr]
    )
    await chat.tap(f"events:drop:{mine[0][0].id}")
    (promoted,) = [r for r in await outbox_rows(db) if r.kind == PROMOTED_KIND]
    (entry,) = ics_of(_rendered(promoted))
    assert entry.method == "PUBLISH"
    assert (
        entry.uid == f"event-{event_id}-registration-{promoted.payload['registration_id']}@linzhu"
    )


async def test_event_cancellation_sends_cancel_files_to_those_with_a_place(
    conversation: Conversation,
) -> None:
    chat = conversation
    db = chat.dispatcher.services.db
    event_id = await make_event(db, capacity=1)
    (held,) = ics_of(await chat.tap(f"events:join:{event_id}"))
    other = Conversation(chat.dispatcher, UserRef("web", "waiting"))
    await other.tap(f"events:join:{event_id}")
    assert await EventAdmin(db).cancel_event(event_id) == 2
    notices = [r for r in await outbox_rows(db) if r.kind == CANCELLED_KIND]
    files = {r.payload["was"]: ics_of(_rendered(r)) for r in notices}
    (cancel,) = files["registered"]
    assert cancel.uid == held.uid and cancel.method == "CANCEL" and cancel.sequence > held.sequence
    assert files["waitlisted"] == []  # never had an entry to remove
