"""The console's store operations on SQLite and PostgreSQL: accounts, sessions, the lock-out,
the audit log, the FAQ overlay, and what staff do to bookings, slots, events and residents."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.types import UserRef, utcnow
from bot.store.consultations.bookings import BookingError, BookingStore
from bot.store.consultations.schedule import ScheduleError, ScheduleStore
from bot.store.db import Database
from bot.store.events.admin import EventAdmin, EventSpec
from bot.store.events.signup import EventStore
from bot.store.outbox import OutboxStore
from bot.store.privacy import PrivacyStore
from bot.store.questions import QuestionStore
from bot.store.staff.accounts import AccountError, StaffAccounts
from bot.store.staff.audit import Actor, AuditLog
from bot.store.staff.overlay import FaqOverlayStore
from bot.store.staff.sessions import Lockout, StaffSessions
from bot.store.traffic import MessageCounts, Tally
from bot.store.users import UserStore
from tests.consultations.helpers import future, make_slots, make_user

PASSWORD = "long enough secret"


async def test_accounts_hash_verify_and_refuse(db: Database) -> None:
    accounts = StaffAccounts(db)
    made = await accounts.add("Wang.Li", PASSWORD, "desk")
    assert made.username == "wang.li" and made.role == "desk"
    assert (await accounts.verify("wang.li", PASSWORD)) is not None
    assert await accounts.verify("wang.li", "wrong password!") is None
    assert await accounts.verify("nobody", PASSWORD) is None
    with pytest.raises(AccountError, match="username_taken"):
        await accounts.add("wang.li", PASSWORD, "admin")
    with pytest.raises(AccountError, match="password_short"):
        await accounts.add("short", "123", "admin")
    with pytest.raises(AccountError, match="role_invalid"):
        await accounts.add("boss", PASSWORD, "king")
    await accounts.set_active("wang.li", False)
    assert await accounts.verify("wang.li", PASSWORD) is None  # disabled


async def test_password_is_stored_as_argon2id(db: Database) -> None:
    from sqlmodel import select

    from bot.store.staff.tables import StaffAccount

    await StaffAccounts(db).add("boss", PASSWORD, "admin")
    async with db.session() as session:
        row = (await session.execute(select(StaffAccount))).scalar_one()
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash


async def test_consultant_account_links_to_a_consultant(db: Database) -> None:
    await make_slots(db, [future(30)], name="Ms Wang")
    accounts = StaffAccounts(db)
    await accounts.add("wang", PASSWORD, "consultant")
    linked = await accounts.link("wang", "ms wang")
    assert linked.consultant_id is not None
    await accounts.add("desk1", PASSWORD, "desk")
    with pytest.raises(AccountError, match="not_consultant"):
        await accounts.link("desk1", "Ms Wang")


async def test_sessions_new_id_idle_timeout_and_end(db: Database) -> None:
    account = await StaffAccounts(db).add("boss", PASSWORD, "admin")
    sessions = StaffSessions(db, idle=timedelta(minutes=30))
    token1, first = await sessions.start(account.id, "127.0.0.1")
    token2, second = await sessions.start(account.id, "127.0.0.1")
    assert token1 != token2 and first.key != second.key and first.csrf_token != second.csrf_token
    assert token1 not in first.key  # the table holds a hash, not the cookie
    assert (await sessions.resume(token1)) is not None
    assert await sessions.resume(token1, now=utcnow() + timedelta(minutes=31)) is None
    assert await sessions.resume(token1) is None  # an ended session stays ended
    await sessions.end(second.key)
    assert await sessions.resume(token2) is None


async def test_lockout_per_account_and_per_address(db: Database) -> None:
    sessions = StaffSessions(db, lockout=Lockout(per_account=3, per_address=5))
    for _ in range(3):
        await sessions.failed("boss", "10.0.0.1")
    wait = await sessions.locked_for("boss", "10.0.0.2")
    assert wait is not None and timedelta(minutes=14) < wait <= timedelta(minutes=15)
    assert await sessions.locked_for("other", "10.0.0.1") is None
    for name in ("a", "b"):
        await sessions.failed(name, "10.0.0.1")
    assert await sessions.locked_for("someone-else", "10.0.0.1") is not None  # the address
    later = utcnow() + timedelta(minutes=16)
    assert await sessions.locked_for("boss", "10.0.0.2", now=later) is None


async def test_audit_log_keeps_before_and_after(db: Database) -> None:
    log = AuditLog(db)
    await log.record(Actor(None, "cli"), "slots.add", "consultant:1", after={"at": utcnow()})
    await log.record(
        Actor(None, "boss", "127.0.0.1"), "booking.cancel", "booking:7",
        before={"status": "booked"}, after={"status": "cancelled"},
    )  # fmt: skip
    rows = await log.entries()
    assert [r.action for r in rows] == ["booking.cancel", "slots.add"]
    assert rows[0].before == {"status": "booked"} and rows[0].after == {"status": "cancelled"}
    assert isinstance(rows[1].after["at"], str)  # type: ignore[index]
    assert [r.action for r in await log.entries(username="cli")] == ["slots.add"]


async def test_overlay_add_resolves_the_question_and_changes_version(db: Database) -> None:
    questions = QuestionStore(db)
    await questions.record_unanswered(user_id=None, channel="web", text="parrot?", locale="en")
    (question,) = await questions.unanswered()
    overlay = FaqOverlayStore(db)
    before = await overlay.version()
    assert await overlay.add("living.hotlines", "en", " parrot? ", added_by="boss",
                             question_id=question.id)  # fmt: skip
    assert not await overlay.add("living.hotlines", "en", "parrot?", added_by="boss")
    assert await overlay.overlay() == {"living.hotlines": {"en": ["parrot?"]}}
    assert await overlay.version() != before
    assert await questions.unanswered() == []
    handled = await questions.get(question.id or 0)
    assert handled is not None and handled.resolution == "alternate"
    assert handled.resolved_topic == "living.hotlines"


async def test_book_on_behalf_takes_a_slot_inside_the_cutoff_but_keeps_every_other_rule(
    db: Database,
) -> None:
    bookings = BookingStore(db, cutoff=timedelta(hours=2), max_upcoming=1)
    soon, later = await make_slots(db, [future(1), future(30)])
    walkin = await UserStore(db).create_walkin("Anna Müller", "138 0000 0000", "de")
    assert walkin.id is not None
    with pytest.raises(BookingError, match="closed"):
        await bookings.book_slot(walkin.id, soon.id or 0, topic="school", language="de")
    made = await bookings.book_slot(
        walkin.id, soon.id or 0, topic="school", language="de", on_behalf=True
    )
    assert made.created
    with pytest.raises(BookingError, match="too_many"):  # the resident's limit still holds
        await bookings.book_slot(
            walkin.id, later.id or 0, topic="school", language="de", on_behalf=True
        )
    # A walk-in has no chat: no reminder is queued for them.
    assert await OutboxStore(db).by_prefix(f"booking:{made.booking.id}:") == []


async def test_staff_cancel_tells_the_resident_and_frees_the_slot(db: Database) -> None:
    bookings = BookingStore(db)
    (slot,) = await make_slots(db, [future(30)])
    user = await make_user(db, "resident")
    made = await bookings.book_slot(user, slot.id or 0, topic="medical", language="ko")
    cancelled = await bookings.cancel_by_staff(made.booking.id)
    assert cancelled.status == "cancelled"
    outbox = OutboxStore(db)
    notices = await outbox.by_prefix(f"booking-notice:{made.booking.id}:")
    assert [(n.kind, n.status) for n in notices] == [("booking_cancelled", "pending")]
    reminders = await outbox.by_prefix(f"booking:{made.booking.id}:")
    assert reminders and {r.status for r in reminders} == {"cancelled"}
    free = await bookings.free_slots()
    assert [s.id for s in free] == [slot.id]


async def test_staff_reschedule_moves_reminders_and_tells_the_resident(db: Database) -> None:
    bookings = BookingStore(db)
    first, second = await make_slots(db, [future(30), future(50)])
    user = await make_user(db, "resident")
    made = await bookings.book_slot(user, first.id or 0, topic="work", language="fr")
    moved = await bookings.reschedule_by_staff(made.booking.id, second.id or 0)
    assert moved.slot.id == second.id
    notices = await OutboxStore(db).by_prefix(f"booking-notice:{made.booking.id}:")
    assert [n.kind for n in notices] == ["booking_moved"]
    assert notices[0].payload["starts_at"] == second.starts_at.isoformat()
    live = [
        r for r in await OutboxStore(db).by_prefix(f"booking:{made.booking.id}:")
        if r.status == "pending"
    ]  # fmt: skip
    assert live and all(r.payload["starts_at"] == second.starts_at.isoformat() for r in live)


async def test_staff_note_is_kept_apart_from_the_residents_note(db: Database) -> None:
    bookings = BookingStore(db)
    (slot,) = await make_slots(db, [future(30)])
    user = await make_user(db, "resident")
    made = await bookings.book_slot(user, slot.id or 0, topic="work", language="en", note="hi")
    noted = await bookings.set_staff_note(made.booking.id, "  bring passport  ")
    assert noted.staff_note == "bring passport" and noted.note == "hi"


async def test_withdrawn_and_blocked_slots_are_never_offered_or_booked(db: Database) -> None:
    schedule = ScheduleStore(db)
    bookings = BookingStore(db)
    a, _b, c = await make_slots(db, [future(30), future(31), future(32)], name="Mr Li")
    user = await make_user(db, "resident")
    await bookings.book_slot(user, c.id or 0, topic="school", language="en")
    await schedule.withdraw_slot(a.id or 0)
    with pytest.raises(BookingError, match="not_found"):
        await bookings.book_slot(user, a.id or 0, topic="school", language="en")
    removed, booked = await schedule.block_time("Mr Li", future(29), future(40))
    assert removed == 1 and [x.slot.id for x in booked] == [c.id]
    assert [s.id for s in await bookings.free_slots()] == []
    with pytest.raises(ScheduleError, match="booked"):
        await schedule.withdraw_slot(c.id or 0)
    # The blocked time can be published again.
    again = await schedule.add_slots("Mr Li", [(future(30), future(30) + timedelta(minutes=30))])
    assert len(again) == 1


async def test_update_consultant_modes_and_video_link(db: Database) -> None:
    await make_slots(db, [future(30)], name="Ms Wang")
    schedule = ScheduleStore(db)
    (consultant,) = await schedule.consultants()
    before, after = await schedule.update_consultant(
        consultant.id or 0, name="Ms Wang", languages=["zh_Hans", "ja"], topics=["school"],
        modes=["video"], video_link="https://meet.example.org/wang", active=True,
    )  # fmt: skip
    assert before["languages"] == ["en", "zh_Hans"]
    assert after.modes == ["video"] and after.video_link == "https://meet.example.org/wang"
    with pytest.raises(ScheduleError):
        await schedule.update_consultant(
            consultant.id or 0, name="Ms Wang", languages=["ja"], topics=["school"],
            modes=None, video_link="http://plain", active=True,
        )  # fmt: skip


def _spec(capacity: int | None = 1, hours: float = 48) -> EventSpec:
    return EventSpec(
        title={"en": "Tea", "zh_Hans": "茶会"},
        category="community",
        starts_at=future(hours),
        ends_at=future(hours + 2),
        capacity=capacity,
        status="published",
    )


async def test_events_add_seats_promote_and_check_in(db: Database) -> None:
    admin = EventAdmin(db)
    (event,) = await admin.save([_spec(capacity=1)])
    store = EventStore(db)
    users = [await make_user(db, f"r{n}") for n in range(4)]
    regs = [await store.register(u, event.id) for u in users]
    assert [r.registration.status for r in regs] == ["registered", *["waitlisted"] * 3]
    grown = await admin.add_seats(event.id, 1)
    assert (grown.capacity, grown.registered, grown.waitlisted) == (2, 2, 2)
    third = regs[3].registration  # the last in the queue, promoted out of turn
    promoted = await admin.promote(event.id, third.id)
    assert (promoted.capacity, promoted.registered, promoted.waitlisted) == (3, 3, 1)
    _view, people = await admin.attendees(event.id)
    assert [p.registration.waitlist_position for p in people if p.registration.status ==
            "waitlisted"] == [1]  # fmt: skip
    told = await OutboxStore(db).by_prefix(f"event:{event.id}:user:{users[3]}:promoted")
    assert len(told) == 1
    checked = await admin.check_in(event.id, regs[0].registration.id)
    assert checked.checked_in_at is not None
    with pytest.raises(Exception, match="not_found"):
        await admin.check_in(event.id, regs[2].registration.id)  # still waiting: no seat


async def test_event_update_moves_reminders(db: Database) -> None:
    admin = EventAdmin(db)
    (event,) = await admin.save([_spec(capacity=None)])
    user = await make_user(db, "r1")
    await EventStore(db).register(user, event.id)
    moved = _spec(capacity=None, hours=72)
    before, after = await admin.update(event.id, moved)
    assert after.starts_at == moved.starts_at and before.starts_at != after.starts_at
    pending = [
        r for r in await OutboxStore(db).by_prefix(f"event:{event.id}:user:{user}:rem:")
        if r.status == "pending"
    ]  # fmt: skip
    assert pending and all(r.payload["starts_at"] == moved.starts_at.isoformat() for r in pending)


async def test_find_residents_by_name_contact_or_channel(db: Database) -> None:
    users = UserStore(db)
    walkin = await users.create_walkin("Kim Min-jun", "+86 138 1234 5678", "ko")
    chat = await make_user(db, "55501", channel="telegram")
    await users.set_profile(chat, display_name="Pierre Dupont", contact=None)
    assert [u.id for u in await users.search("min-jun")] == [walkin.id]
    assert [u.id for u in await users.search("1234")] == [walkin.id]
    assert [u.id for u in await users.search("telegram:55501")] == [chat]
    assert [u.id for u in await users.search("dupont")] == [chat]
    assert walkin.channel == "walkin" and walkin.locale == "ko"


async def test_export_and_erase_a_resident(db: Database) -> None:
    bookings = BookingStore(db)
    (slot,) = await make_slots(db, [future(30)])
    user_id = await make_user(db, "resident")
    await UserStore(db).set_profile(user_id, display_name="Li Na", contact="123")
    await bookings.book_slot(user_id, slot.id or 0, topic="school", language="zh_Hans")
    privacy = PrivacyStore(db)
    data = await privacy.export(user_id)
    assert data["resident"]["name"] == "Li Na" and len(data["bookings"]) == 1
    user = await UserStore(db).get(UserRef("web", "resident"))
    assert user is not None
    await privacy.erase_everything(user, bookings, EventStore(db))
    after = await privacy.export(user_id)
    assert after["resident"]["name"] is None and after["resident"]["contact"] is None
    assert [b["status"] for b in after["bookings"]] == ["cancelled"]


async def test_message_counts_are_tallied_then_added(db: Database) -> None:
    tally, counts = Tally(db), MessageCounts(db)
    now = utcnow()
    for topic in (None, "living.hotlines", "living.hotlines"):
        tally.count(now, "web", "en", topic)
    days = (now.date() - timedelta(days=1), now.date() + timedelta(days=1))
    assert await counts.between(*days) == []  # nothing written per message
    await tally.flush()
    tally.count(now, "web", "en", "living.hotlines")
    await tally.flush()
    await tally.flush()  # nothing new: nothing added twice
    rows = await counts.between(*days)
    assert sorted((r.topic, r.count) for r in rows) == [("", 1), ("living.hotlines", 3)]


async def test_slots_only_in_the_consultants_modes(db: Database) -> None:
    await make_slots(db, [future(30)], name="Ms Wang")
    schedule = ScheduleStore(db)
    (consultant,) = await schedule.consultants()
    await schedule.update_consultant(
        consultant.id or 0, name="Ms Wang", languages=["en"], topics=["school"],
        modes=["video"], video_link=None, active=True,
    )  # fmt: skip
    at = future(60)
    with pytest.raises(ScheduleError, match="does not consult in_person"):
        await schedule.add_slots("Ms Wang", [(at, at + timedelta(minutes=30))])
    assert len(await schedule.add_slots("Ms Wang", [(at, at + timedelta(minutes=30))],
                                        mode="video")) == 1  # fmt: skip
