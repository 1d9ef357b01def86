"""/privacy shows what is stored and deletes it: bookings and registrations cancelled
through their stores (the slot freed, the waitlist moved up), the rest erased."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlmodel import col

from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef, utcnow
from bot.store.events.tables import Event, Registration
from bot.store.tables import ConversationState, Feedback, UnansweredQuestion
from tests.consultations.helpers import future, make_slots
from tests.events.helpers import make_event, make_users, soon
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


async def test_privacy_erases_sign_up_answers_and_feedback_comments(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    """What the resident answered to events' sign-up questions (an upcoming event's, and a
    past one's, which can no longer be cancelled) and their comments on answers go with
    /privacy's delete; the registration rows stay without them, another resident's stay."""
    svc = dispatcher.services
    db = svc.db
    await conversation.say("/privacy")
    user = await svc.users.get(conversation.user)
    assert user is not None and user.id is not None
    [other_id] = await make_users(db, 1, prefix="other")
    questions = [{"id": "phone", "text": {"en": "Your phone?"}}]
    upcoming = await make_event(db, starts=soon(48), questions=questions)
    await svc.events.register(user.id, upcoming, {"phone": "+8613800000001"})
    await svc.events.register(other_id, upcoming, {"phone": "+8613800000002"})
    async with db.transaction() as session:
        ago = utcnow() - timedelta(days=9)
        past = Event(title={"en": "Past"}, category="family", starts_at=ago,
                     ends_at=ago + timedelta(hours=2), questions=questions)  # fmt: skip
        session.add(past)
        await session.flush()
        assert past.id is not None
        session.add(Registration(event_id=past.id, user_id=user.id, status="registered",
                                 answers={"phone": "+8613800000001"}))  # fmt: skip
    for user_id, comment in ((user.id, "call me on +8613800000001"), (other_id, "thanks")):
        await svc.questions.record_feedback(
            user_id=user_id, topic="school", helpful=False, locale="en", comment=comment
        )

    await conversation.tap("privacy:delete:yes")

    async with db.session() as session:
        query = select(col(Registration.user_id), col(Registration.answers))
        rows = (await session.execute(query)).all()
        comments = (await session.execute(select(col(Feedback.comment)))).scalars().all()
    mine = [answers for user_id, answers in rows if user_id == user.id]
    assert mine == [{}, {}]  # both rows stay (staff's counts), without the answers
    assert [a for u, a in rows if u == other_id] == [{"phone": "+8613800000002"}]
    assert comments == ["thanks"]
