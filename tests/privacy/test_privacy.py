"""/privacy shows what is stored and deletes it: bookings and registrations cancelled
through their stores (the slot freed, the waitlist moved up), the rest erased."""

from sqlalchemy import func, select

from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef
from bot.store.tables import ConversationState, Feedback, UnansweredQuestion
from tests.consultations.helpers import future, make_slots
from tests.events.helpers import make_event, soon
from tests.harness import Conversation


async def count(dispatcher: Dispatcher, table: type, user_id: int) -> int:
    async with dispatcher.services.db.session() as session:
        stmt = select(func.count()).select_from(table).where(table.user_id == user_id)  # type: ignore[attr-defined]
        return int((await session.execute(stmt)).scalar_one())


async def test_privacy_shows_and_erases(conversation: Conversation, dispatcher: Dispatcher) -> None:
    svc = dispatcher.services
    await conversation.tap("lang:set:fr")
    await conversation.say("qwzx plorf")  # recorded for staff
    user = await svc.users.get(conversation.user)
    assert user is not None and user.id is not None
    [slot] = await make_slots(svc.db, [future(48)], languages=("fr",))
    assert slot.id is not None
    booked = await svc.bookings.book_slot(user.id, slot.id, topic="school", language="fr")
    event_id = await make_event(svc.db, starts=soon(48), capacity=1)
    await conversation.tap(f"events:join:{event_id}")
    other = Conversation(dispatcher, user=UserRef("web", "waiting"))
    await other.tap(f"events:join:{event_id}")  # on the waitlist behind our resident

    await conversation.say("/privacy")
    payloads = [b.payload for r in conversation.last.replies for b in r.buttons]  # type: ignore[union-attr]
    assert payloads == ["privacy:delete", "menu:main"]
    assert await count(dispatcher, UnansweredQuestion, user.id) == 1

    await conversation.tap("privacy:delete")
    assert [b.payload for b in conversation.last.replies[0].buttons] == [  # type: ignore[union-attr]
        "privacy:delete:yes",
        "privacy:show",
    ]
    await conversation.tap("privacy:delete:yes")

    assert await svc.bookings.upcoming_for(user.id) == []
    assert (await svc.bookings.get(booked.booking.id)).status == "cancelled"  # type: ignore[union-attr]
    assert await svc.events.registrations_for(user.id) == []
    other_user = await svc.users.get(UserRef("web", "waiting"))
    [(promoted, _event)] = await svc.events.registrations_for(other_user.id)  # type: ignore[union-attr]
    assert promoted.status == "registered"  # the freed seat went to the waitlist
    assert await count(dispatcher, UnansweredQuestion, user.id) == 0
    assert await count(dispatcher, Feedback, user.id) == 0
    assert await count(dispatcher, ConversationState, user.id) == 0
    erased = await svc.users.get(conversation.user)
    assert erased is not None and erased.locale is None and erased.locale_source is None
