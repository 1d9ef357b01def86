"""Phone and video consultations ask how to reach the resident (issue 16, finding 4): a phone
number or a WeChat ID, checked, with a one-line consent; kept with the booking, shown to staff,
erased with the booking's other personal data; video bookings show the consultant's link."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.app import build_dispatcher
from bot.config import Settings
from bot.consultations.contact import Contact, ContactProblem, parse_contact
from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef
from bot.store.consultations.schedule import ScheduleStore
from bot.store.consultations.tables import Booking
from tests.consultations.helpers import future, make_slots
from tests.harness import Conversation, tr

ASK = (
    "How can the consultant reach you? Type your mobile number (with the country code if it is "
    "not a Chinese number) or your WeChat ID."
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("138 0013 8000", "tel:+8613800138000"),
        ("13800138000", "tel:+8613800138000"),
        ("+86 138-0013-8000", "tel:+8613800138000"),
        ("１３８００１３８０００", "tel:+8613800138000"),  # full-width digits
        ("021 6234 5678", "tel:+862162345678"),  # a Shanghai landline
        ("+49 170 1234567", "tel:+491701234567"),
        ("0049 170 1234567", "tel:+491701234567"),
        ("tel: 138 0013 8000", "tel:+8613800138000"),
        ("anna_m88", "wechat:anna_m88"),
        ("WeChat: anna_m88", "wechat:anna_m88"),
        ("微信号：anna-m88", "wechat:anna-m88"),
        ("wxid_abcdef123", "wechat:wxid_abcdef123"),
    ],
)
def test_phone_numbers_and_wechat_ids_are_recognised(typed: str, stored: str) -> None:
    found = parse_contact(typed)
    assert isinstance(found, Contact) and found.stored == stored


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("12345", ContactProblem.PHONE),
        ("138 0013", ContactProblem.PHONE),
        ("+86 000 0000 0000", ContactProblem.PHONE),
        ("", ContactProblem.EMPTY),
        ("ok", ContactProblem.UNKNOWN),
        ("call me at the centre", ContactProblem.UNKNOWN),
        ("1abcdef", ContactProblem.UNKNOWN),  # a WeChat ID starts with a letter
        ("WeChat: ab", ContactProblem.UNKNOWN),  # and has at least 6 characters
    ],
)
def test_what_is_neither_is_refused(typed: str, problem: ContactProblem) -> None:
    assert parse_contact(typed) is problem


def _button(chat: Conversation, prefix: str) -> str:
    assert chat.last is not None
    return next(
        b.payload for r in chat.last.replies for b in r.buttons if b.payload.startswith(prefix)
    )


async def _to_time(chat: Conversation, topic: str = "school") -> None:
    if chat.last is None:  # the language chosen: typed IDs must not look like French
        await chat.tap("lang:set:en")
    await chat.say("/book")
    await chat.tap(f"book:topic:{topic}")
    await chat.tap(_button(chat, "book:lang:"))
    await chat.tap(_button(chat, "book:day:"))
    await chat.tap(_button(chat, "book:time:"))


async def _booking(chat: Conversation) -> Booking:
    async with chat.dispatcher.services.db.session() as session:
        return (await session.execute(select(Booking))).scalars().one()


async def test_a_phone_booking_asks_for_a_contact_and_keeps_it(conversation: Conversation) -> None:
    chat = conversation
    await make_slots(chat.dispatcher.services.db, [future(48)], mode="phone")
    await _to_time(chat)
    assert ASK in chat.text() and "only for this consultation" in chat.text()
    assert not any("book:skipnote" in b.payload for r in chat.last.replies for b in r.buttons)  # type: ignore[union-attr]
    await chat.say("call me at the centre")
    assert "neither a phone number nor a WeChat ID" in chat.text() and ASK in chat.text()
    await chat.say("138 0013")
    assert "doesn't look complete" in chat.text()
    await chat.say("thanks")  # small talk, not a WeChat ID
    assert "Please type a phone number or a WeChat ID." in chat.text()
    await chat.say("138 0013 8000")
    assert "Anything the consultant should know" in chat.text()
    await chat.say("ok")  # the note
    assert "We will reach you at: +86 138 0013 8000" in chat.text()
    await chat.tap(_button(chat, "book:confirm:"))
    assert "Booked!" in chat.text() and "+86 138 0013 8000" in chat.text()
    booking = await _booking(chat)
    assert booking.contact == "tel:+8613800138000" and booking.note == "ok"


async def test_back_from_the_note_returns_to_the_contact(conversation: Conversation) -> None:
    chat = conversation
    await make_slots(chat.dispatcher.services.db, [future(48)], mode="video")
    await _to_time(chat)
    await chat.say("anna_m88")
    await chat.tap("book:back")
    assert ASK in chat.text()
    await chat.tap("book:back")
    assert "Which time?" in chat.text()


async def test_an_in_person_booking_asks_no_contact(conversation: Conversation) -> None:
    chat = conversation
    await make_slots(chat.dispatcher.services.db, [future(48)])
    await _to_time(chat)
    assert ASK not in chat.text() and "Anything the consultant should know" in chat.text()


@pytest.mark.parametrize(
    ("link", "shown"),
    [
        ("https://meeting.example.org/li", "Video call: https://meeting.example.org/li"),
        (None, "The consultant will send you the link for the video call before it starts."),
    ],
)
async def test_a_video_booking_shows_the_consultants_link(
    conversation: Conversation, link: str | None, shown: str
) -> None:
    chat = conversation
    db = chat.dispatcher.services.db
    await ScheduleStore(db).add_consultant("Ms Li", ["en"], ["school"], video_link=link)
    await make_slots(db, [future(48)], name="Ms Li", mode="video")
    await _to_time(chat)
    await chat.say("WeChat: anna_m88")
    await chat.tap("book:skipnote")
    assert shown in chat.text() and "WeChat ID: anna_m88" in chat.text()
    await chat.tap(_button(chat, "book:confirm:"))
    assert shown in chat.text()
    await chat.say("/mybookings")
    assert shown in chat.text()


async def test_moving_to_a_phone_time_asks_for_a_contact(conversation: Conversation) -> None:
    chat = conversation
    db = chat.dispatcher.services.db
    await make_slots(db, [future(48)])
    await make_slots(db, [future(72)], name="Consultant P", mode="phone")
    await chat.tap("lang:set:en")
    await chat.say("/book")
    await chat.tap("book:topic:school")
    await chat.tap("book:lang:en")
    await chat.tap(_button(chat, "book:day:"))
    await chat.tap(_button(chat, "book:time:"))
    await chat.tap("book:skipnote")
    await chat.tap(_button(chat, "book:confirm:"))
    booking = await _booking(chat)
    await chat.tap(f"book:rs:{booking.id}")
    days = [b.payload for r in chat.last.replies for b in r.buttons if "book:day:" in b.payload]  # type: ignore[union-attr]
    await chat.tap(days[-1])
    await chat.tap(_button(chat, "book:time:"))
    assert ASK in chat.text()
    await chat.say("+49 170 1234567")
    assert "Move your consultation" in chat.text() and "+49 170 1234567" in chat.text()
    await chat.tap(_button(chat, "book:move:"))
    assert (await _booking(chat)).contact == "tel:+491701234567"


async def test_staff_see_the_contact_and_privacy_erases_it(
    settings: Settings, dispatcher: Dispatcher
) -> None:
    db = dispatcher.services.db
    staff_dispatcher = build_dispatcher(
        settings.model_copy(update={"staff_users": "telegram:99"}), db=db
    )
    await make_slots(db, [future(5)], mode="phone")
    resident = Conversation(staff_dispatcher, UserRef("telegram", "777"), display_name="Yuki T")
    await resident.tap("lang:set:ja")
    await _to_time(resident)
    await resident.say("13800138000")
    await resident.say("アレルギーがあります")
    await resident.tap(_button(resident, "book:confirm:"))
    assert tr("ja", "✅ Booked! We look forward to seeing you.") in resident.text()
    staff = Conversation(staff_dispatcher, UserRef("telegram", "99"))
    # /week, not /today: five hours from now is tomorrow in Shanghai in the evening there.
    await staff.say("/week")
    assert "Contact: +86 138 0013 8000" in staff.text()
    assert "Yuki T (Telegram)" in staff.text() and "777" not in staff.text()
    # Cancelling keeps the booking's details for staff, like the note (as before).
    booking = await _booking(resident)
    await resident.tap(f"book:cxok:{booking.id}")
    kept = await _booking(resident)
    assert kept.status == "cancelled" and kept.contact and kept.note
    # /privacy → delete: the contact and the note go, with the name.
    await resident.tap("privacy:delete:yes")
    erased = await _booking(resident)
    assert erased.contact is None and erased.note is None
    user = await staff_dispatcher.services.users.get(resident.user)
    assert user is not None and user.display_name is None


def test_the_video_reminder_carries_the_link() -> None:
    from bot.consultations.text import render_booking_reminder

    payload = {
        "when": "2h", "starts_at": "2026-12-09T06:00:00+00:00",
        "ends_at": "2026-12-09T06:30:00+00:00", "mode": "video", "consultant": "Ms Li",
        "topic": "school", "video_link": "https://meeting.example.org/li",
    }  # fmt: skip
    (reply,) = render_booking_reminder(payload)
    assert "Video call: https://meeting.example.org/li" in reply.text
    (reply,) = render_booking_reminder({**payload, "mode": "phone"})
    assert "meeting.example.org" not in reply.text
