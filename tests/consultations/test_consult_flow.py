"""The booking flow end to end through the whole pipeline (conversation harness), on SQLite and
PostgreSQL, in English and Chinese; /mybookings with reschedule and cancel; staff commands."""

from __future__ import annotations

from icalendar import Calendar

from bot.app import build_dispatcher
from bot.config import Settings
from bot.consultations.text import long_day, time_label
from bot.core.dispatcher import Dispatcher
from bot.core.types import Button, UserRef
from bot.store.consultations.bookings import BookingStore
from tests.consultations.helpers import future, make_slots, shanghai
from tests.harness import Conversation, tr


def button(chat: Conversation, prefix: str, index: int = 0) -> Button:
    assert chat.last is not None
    found = [b for r in chat.last.replies for b in r.buttons if b.payload.startswith(prefix)]
    assert len(found) > index, f"no button {prefix}… in {chat.text()!r}"
    return found[index]


async def tap(chat: Conversation, prefix: str, index: int = 0) -> str:
    await chat.tap(button(chat, prefix, index).payload)
    return chat.text()


async def seed(dispatcher: Dispatcher) -> list:
    db = dispatcher.services.db
    # Two slots on one day in Shanghai and one on the next: the flows pick "the other day".
    day_slots = [shanghai(2, 10), shanghai(2, 10, 30), shanghai(3, 10)]
    slots = await make_slots(db, day_slots, name="Demo A")
    slots += await make_slots(db, [shanghai(4, 10)], name="Demo B", languages=("ja",), mode="video")
    return slots


async def test_booking_flow_in_english(conversation: Conversation) -> None:
    chat = conversation
    slots = await seed(chat.dispatcher)
    await chat.say("/book")
    assert "What would you like to talk about" in chat.text()
    await chat.tap("book:topic:school")
    assert "Yours is first" in chat.text()
    assert button(chat, "book:lang:").label == "✓ English"
    # Language names in the resident's language, never codes or other scripts (issue 16).
    assert "Japanese" in [b.label for b in chat.last.replies[0].buttons]  # type: ignore[union-attr]
    await tap(chat, "book:lang:en")
    assert "Which day" in chat.text()
    await tap(chat, "book:day:")
    assert "Which time" in chat.text()
    assert button(chat, "book:time:").label.startswith(time_label(slots[0].starts_at, "en"))
    await tap(chat, "book:back")  # back to the day
    assert "Which day" in chat.text()
    await tap(chat, "book:day:")
    await tap(chat, "book:time:")
    assert "Type a short note" in chat.text()
    await chat.say("My son starts grade 3 in September")
    assert "Please check your consultation" in chat.text()
    assert "My son starts grade 3" in chat.text()
    confirm = button(chat, "book:confirm:")
    await chat.tap(confirm.payload)
    text = chat.text()
    assert "Booked!" in text and long_day(slots[0].starts_at, "en") in text
    assert "in person at the Gubei Citizen Centre" in text
    (attachment,) = chat.last.replies[0].attachments  # type: ignore[union-attr]
    assert attachment.mime_type == "text/calendar"
    event = Calendar.from_ical(attachment.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == slots[0].starts_at

    await chat.tap(confirm.payload)  # a double tap on the old button
    assert "already booked" in chat.text()
    user = await chat.dispatcher.services.users.get(chat.user)
    assert user is not None
    (booking,) = await BookingStore(chat.dispatcher.services.db).upcoming_for(user.id or 0)

    await chat.say("/mybookings")
    assert "Your upcoming consultations" in chat.text()
    await tap(chat, f"book:rs:{booking.id}")
    assert "Choose a new time" in chat.text()
    await tap(chat, "book:day:", 1)  # the other day
    await tap(chat, "book:time:")
    assert "Move your consultation" in chat.text()
    await tap(chat, f"book:move:{booking.id}:")
    assert "has moved" in chat.text() and long_day(slots[2].starts_at, "en") in chat.text()
    await chat.say("/mybookings")
    await tap(chat, f"book:cx:{booking.id}")
    await tap(chat, f"book:cxok:{booking.id}")
    assert "is cancelled" in chat.text()
    await chat.say("/mybookings")
    assert "no upcoming consultations" in chat.text()


async def test_booking_flow_in_chinese(conversation: Conversation) -> None:
    chat = conversation
    slots = await seed(chat.dispatcher)
    await chat.tap("lang:set:zh_Hans")
    await chat.tap("book:start:medical")  # prefilled topic from the medical area
    assert button(chat, "book:lang:").label == "✓ 简体中文"
    await tap(chat, "book:lang:zh_Hans")
    assert "日" in button(chat, "book:day:").label  # Babel's Chinese day, like "6月3日周三"
    await tap(chat, "book:day:")
    await tap(chat, "book:time:", 1)
    await tap(chat, "book:skipnote")
    await tap(chat, "book:confirm:")
    assert chat.locale == "zh_Hans"
    assert long_day(slots[1].starts_at, "zh_Hans") in chat.text()  # "2026年…星期…"
    assert "年" in long_day(slots[1].starts_at, "zh_Hans")


async def test_no_consultant_speaks_the_language(conversation: Conversation) -> None:
    chat = conversation
    await seed(chat.dispatcher)
    await chat.tap("lang:set:ko")
    await chat.say("/book")
    await tap(chat, "book:topic:work")
    assert "한국어" in chat.text()
    assert button(chat, "book:lang:").payload == "book:lang:en"  # alternatives offered
    await tap(chat, "book:lang:any")
    await tap(chat, "book:day:")
    await tap(chat, "book:time:")
    await tap(chat, "book:skipnote")
    await tap(chat, "book:confirm:")
    user = await chat.dispatcher.services.users.get(chat.user)
    (booking,) = await chat.dispatcher.services.bookings.upcoming_for(user.id or 0)  # type: ignore[union-attr]
    assert booking.language == "ko" and booking.interpreter and booking.note is None
    await chat.say("/mybookings")
    await tap(chat, f"book:rs:{booking.id}")
    assert button(chat, "book:day:")  # rescheduling offers every consultant's times again


async def test_numbered_choices_drive_the_flow(dispatcher: Dispatcher) -> None:
    """On channels without buttons (WeChat, the console) residents answer with numbers."""
    await seed(dispatcher)
    chat = Conversation(dispatcher, UserRef("console", "numbers"))
    await chat.say("/book")
    await chat.say("1")  # the first topic: school enrolment
    assert "Yours is first" in chat.text()
    await chat.say("1")  # ✓ English
    assert "Which day" in chat.text()


async def test_just_taken_offers_the_next_free_times(dispatcher: Dispatcher) -> None:
    slots = await seed(dispatcher)
    alice = Conversation(dispatcher, UserRef("web", "alice"))
    bob = Conversation(dispatcher, UserRef("web", "bob"))
    for chat in (alice, bob):
        await chat.tap("book:start:school")
        await tap(chat, "book:lang:en")
        await tap(chat, "book:day:")
        await tap(chat, "book:time:")
        await tap(chat, "book:skipnote")
    await tap(bob, "book:confirm:")
    assert "Booked!" in bob.text()
    await tap(alice, "book:confirm:")
    assert "just taken" in alice.text()
    offered = [b.payload for r in alice.last.replies for b in r.buttons]  # type: ignore[union-attr]
    assert f"book:time:{slots[1].id}" in offered and f"book:time:{slots[0].id}" not in offered
    await alice.tap(f"book:time:{slots[1].id}")
    await tap(alice, "book:skipnote")
    await tap(alice, "book:confirm:")
    assert "Booked!" in alice.text()


async def test_cancel_and_typing_mid_flow(conversation: Conversation) -> None:
    chat = conversation
    await seed(chat.dispatcher)
    await chat.say("/book")
    await chat.say("hello?")
    assert "Please choose one of the options" in chat.text()
    await tap(chat, "book:cancel")
    assert "nothing was booked" in chat.text()
    await chat.tap("book:day:20990101")  # a stale button after the flow ended
    assert "What would you like to talk about" in chat.text()


async def test_staff_today_and_attendance(settings: Settings, dispatcher: Dispatcher) -> None:
    db = dispatcher.services.db
    staff_settings = settings.model_copy(update={"staff_users": "telegram:99"})
    staff_dispatcher = build_dispatcher(staff_settings, db=db)
    (slot,) = await make_slots(db, [future(3)])
    resident = Conversation(
        staff_dispatcher, UserRef("telegram", "4242"), display_name="Claire Dubois"
    )
    await resident.tap("lang:set:fr")
    await resident.tap(f"book:time:{slot.id}")
    await tap(resident, "book:skipnote")
    await tap(resident, "book:confirm:")
    assert tr("fr", "✅ Booked! We look forward to seeing you.") in resident.text()

    stranger = Conversation(staff_dispatcher, UserRef("telegram", "100"))
    await stranger.say("/week")
    assert "I don't know the command /week" in stranger.text()
    staff = Conversation(staff_dispatcher, UserRef("telegram", "99"))
    await staff.say("/week")
    text = staff.text()
    assert "Consultant A" in text and "English" in text
    # The resident by name and channel, never the internal id (issue 16).
    assert "Claire Dubois (Telegram)" in text and "4242" not in text
    no_show = button(staff, "staff:nos:").payload
    await staff.tap(button(staff, "staff:att:").payload)
    assert "marked as attended" in staff.text()
    await stranger.tap(no_show)
    assert "no longer valid" in stranger.text()
