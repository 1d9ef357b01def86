"""The resident's side end to end through the whole pipeline, in English and Chinese, on SQLite
and PostgreSQL: list, filter, page, sign up (with questions), waitlist, /myevents, cancel with
promotion, /reminders, and the outbox rendered by the real dispatcher in the user's locale."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import update

from bot.core.types import Button, UserRef, utcnow
from bot.events.when import format_day
from bot.reminders.dispatcher import DispatcherConfig, ReminderDispatcher
from bot.store.events.admin import EventAdmin
from bot.store.outbox import OutboxMessage
from fakes.platform import RecordingSender
from tests.events.helpers import make_event, outbox_rows, soon
from tests.harness import Conversation, tr

FAST = DispatcherConfig(rate_per_second=1000, poll_seconds=0.05, backoff_seconds=60)
QUESTIONS = [
    {
        "id": "children",
        "text": {"en": "How many children are coming?", "zh_Hans": "几个孩子参加？"},
    },
    {"id": "ages", "text": {"en": "How old are they?", "zh_Hans": "孩子几岁？"}},
]

REMINDERS_OFF = "Event reminders are off. Send /reminders on to have them again."
REMINDERS_ON = "Event reminders are on: I'll remind you 24 hours and 1 hour before each event."


def buttons(chat: Conversation, prefix: str) -> list[Button]:
    assert chat.last is not None
    return [b for r in chat.last.replies for b in r.buttons if b.payload.startswith(prefix)]


def attachments(chat: Conversation) -> list:
    assert chat.last is not None
    return [a for r in chat.last.replies for a in r.attachments]


async def test_sign_up_in_two_taps_in_english(conversation: Conversation) -> None:
    chat = conversation
    db = chat.dispatcher.services.db
    starts = soon(72)
    fair = await make_event(db, capacity=1, starts=starts)
    await make_event(
        db,
        capacity=None,
        starts=soon(96),
        category="family",
        title={"en": "Family picnic", "zh_Hans": "家庭野餐"},
    )
    await chat.say("/events")
    text = chat.text()
    assert "Job fair" in text and "Family picnic" in text
    assert text.index("Job fair") < text.index("Family picnic")  # soonest first
    assert "1 seat left" in text and "Open to all" in text
    await chat.tap(f"events:show:{fair}")  # tap 1
    assert "Meet employers." in chat.text() and "Registration closes" in chat.text()
    await chat.tap(buttons(chat, "events:join:")[0].payload)  # tap 2
    assert "You're registered for *Job fair*" in chat.text()
    (ics,) = attachments(chat)
    assert ics.mime_type == "text/calendar"
    vevent = Calendar.from_ical(ics.content).walk("VEVENT")[0]
    assert str(vevent["summary"]) == "Job fair"
    assert vevent.decoded("dtstart") == starts
    # A second tap says so, and registers nothing new.
    await chat.tap(f"events:join:{fair}")
    assert "You're already registered for *Job fair*" in chat.text()
    # Someone else finds it full and joins the waitlist.
    other = Conversation(chat.dispatcher, user=UserRef("web", "other"))
    await other.say("/events")
    assert "Full: you can join the waitlist" in other.text()
    await other.tap(f"events:show:{fair}")
    assert buttons(other, "events:join:")[0].label == "Join the waitlist"
    await other.tap(f"events:join:{fair}")
    assert "on the waitlist at position 1" in other.text()
    assert attachments(other) == []
    # The first resident cancels from /myevents; the other is promoted and told.
    await chat.say("/myevents")
    assert "✓ You're registered" in chat.text()
    await chat.tap(buttons(chat, "events:cancel:")[0].payload)
    assert "Give up your place" in chat.text()
    await chat.tap(buttons(chat, "events:drop:")[0].payload)
    assert "your place at *Job fair* is cancelled" in chat.text()
    await other.say("/myevents")
    assert "✓ You're registered" in other.text()
    rows = await outbox_rows(db, f"event:{fair}:")
    assert [r.kind for r in rows if r.status == "pending"].count("event_promoted") == 1


async def test_questions_filter_and_pages_in_chinese(conversation: Conversation) -> None:
    chat = conversation
    db = chat.dispatcher.services.db
    await chat.tap("lang:set:zh_Hans")
    starts = soon(50)
    picnic = await make_event(
        db,
        starts=starts,
        category="family",
        title={"en": "Family picnic", "zh_Hans": "家庭野餐"},
        questions=QUESTIONS,
    )
    for n in range(6):
        await make_event(db, starts=soon(60 + n), title={"en": f"Talk {n}"})  # no Chinese title
    await chat.say("/events")
    text = chat.text()
    assert "家庭野餐" in text and "Talk 0" in text  # falls back to English
    assert format_day(starts, "zh_Hans") in text
    assert "Talk 4" not in text  # five to a page
    await chat.tap(buttons(chat, "events:list:all:1")[0].payload)
    assert "Talk 4" in chat.text() and "家庭野餐" not in chat.text()
    await chat.tap("events:cats")
    await chat.tap("events:list:family:0")
    assert "家庭野餐" in chat.text() and "Talk" not in chat.text()
    await chat.tap(f"events:join:{picnic}")
    assert "几个孩子参加？" in chat.text()
    await chat.say("2")
    assert "孩子几岁？" in chat.text()
    await chat.say("5 和 8 岁")
    assert attachments(chat)[0].filename == f"event-{picnic}.ics"
    admin = EventAdmin(db)
    _event, people = await admin.attendees(picnic)
    assert people[0].registration.answers == {"children": "2", "ages": "5 和 8 岁"}


async def test_closed_and_cancelled_events(conversation: Conversation) -> None:
    chat = conversation
    db = chat.dispatcher.services.db
    closed = await make_event(db, deadline=utcnow() - timedelta(minutes=1))
    await chat.tap(f"events:show:{closed}")
    assert "Registration is closed" in chat.text() and not buttons(chat, "events:join:")
    await chat.tap(f"events:join:{closed}")
    assert "registration for *Job fair* has closed" in chat.text()
    draft = await make_event(db, status="draft")
    await chat.tap(f"events:join:{draft}")
    assert "no longer available" in chat.text()
    await chat.tap("events:show:999999")
    assert "no longer available" in chat.text()
    await chat.tap("events:show:nonsense")
    assert "no longer valid" in chat.text()  # a malformed button: expired


async def test_reminders_off_on_and_outbox_rendered_at_send_time(
    conversation: Conversation,
) -> None:
    chat = conversation
    services = chat.dispatcher.services
    db = services.db
    starts = soon(30)
    event_id = await make_event(db, starts=starts)
    await chat.tap(f"events:join:{event_id}")
    await chat.say("/reminders off")
    assert tr(chat.locale, REMINDERS_OFF) in chat.text()
    rows = await outbox_rows(db, f"event:{event_id}:")
    assert {r.status for r in rows} == {"cancelled"}
    await chat.tap("events:rem:on")
    assert (
        tr(
            chat.locale,
            "Event reminders are on: I'll remind you 24 hours and 1 hour before each event.",
        )
        in chat.text()
    )
    await chat.tap("lang:set:zh_Hans")  # the language changes after signing up
    async with db.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending")  # type: ignore[arg-type]
            .values(due_at=utcnow() - timedelta(seconds=1))
        )
    sender = RecordingSender("web")
    services.channels.attach(sender)
    await ReminderDispatcher(db, services.channels, FAST).run_once()
    assert len(sender.sent) == 2
    texts = [replies[0].text for _ref, replies in sender.sent]
    assert all("招聘会" in t for t in texts)
    assert all(format_day(starts, "zh_Hans") in t for t in texts)
    stop = [b for _ref, replies in sender.sent for b in replies[0].buttons]
    assert "events:rem:off" in {b.payload for b in stop}
    # The button on the reminder stops them.
    await chat.tap("events:rem:off")
    assert tr(chat.locale, REMINDERS_OFF) in chat.text()


async def test_event_notices_reach_a_resident_who_turned_reminders_off(
    conversation: Conversation,
) -> None:
    """Only reminders stop with /reminders off; a cancelled event must still be told."""
    chat = conversation
    services = chat.dispatcher.services
    event_id = await make_event(services.db, starts=soon(30))
    await chat.tap(f"events:join:{event_id}")
    await chat.say("/reminders off")
    await EventAdmin(services.db).cancel_event(event_id)
    sender = RecordingSender("web")
    services.channels.attach(sender)
    await ReminderDispatcher(services.db, services.channels, FAST).run_once()
    assert sender.sent
    assert "has been cancelled" in sender.sent[0][1][0].text
