"""The outbox dispatcher on SQLite and PostgreSQL: locale at send time, cancellation, retries,
rate limits (a fake platform enforcing 429 retry_after), and two dispatchers side by side."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.consultations.text import long_day
from bot.core.channel import Channels
from bot.core.sender import SendResult
from bot.core.types import Reply, UserRef, utcnow
from bot.reminders.dispatcher import DispatcherConfig, ReminderDispatcher
from bot.store import outbox
from bot.store.consultations.bookings import BookingStore
from bot.store.db import Database
from bot.store.outbox import OutboxMessage, OutboxStore
from bot.store.tables import User
from fakes.platform import FakePlatform, FakePlatformSender, RecordingSender
from tests.consultations.helpers import future, make_slots, make_user

FAST = DispatcherConfig(rate_per_second=1000, poll_seconds=0.05, backoff_seconds=60)
NOTE: dict[str, Any] = {"note": lambda p: [Reply(p["text"])]}


def senders_with(*senders: Any) -> Channels:
    registry = Channels()
    for sender in senders:
        registry.attach(sender)
    return registry


async def make_due(db: Database, channel: str, count: int, prefix: str = "n") -> list[int]:
    """`count` users on `channel`, each with one note due now; returns the user ids."""
    ids = []
    async with db.transaction() as session:
        for n in range(count):
            user = User(channel=channel, external_id=f"{prefix}{n}")
            session.add(user)
            await session.flush()
            assert user.id is not None
            ids.append(user.id)
            await outbox.enqueue(
                session,
                user_id=user.id,
                channel=channel,
                kind="note",
                payload={"text": f"{prefix}{n}"},
                due_at=utcnow() - timedelta(seconds=1),
                dedupe_key=f"test:{prefix}{n}",
            )
    return ids


async def make_reminders_due(db: Database, prefix: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key.startswith(prefix))  # type: ignore[attr-defined]
            .values(due_at=utcnow() - timedelta(seconds=1))
        )


async def test_reminder_is_rendered_in_the_users_locale_at_send_time(db: Database) -> None:
    (slot,) = await make_slots(db, [future(30)])
    user_id = await make_user(db, "42", channel="telegram")
    booking = (
        await BookingStore(db).book_slot(user_id, slot.id or 0, topic="school", language="en")
    ).booking
    async with db.transaction() as session:  # the resident switched to French after booking
        await session.execute(update(User).where(User.id == user_id).values(locale="fr"))
    await make_reminders_due(db, f"booking:{booking.id}:")
    sender = RecordingSender("telegram")
    await ReminderDispatcher(db, senders_with(sender), FAST).run_once()
    assert len(sender.sent) == 2
    ref, replies = sender.sent[0]
    assert ref == UserRef("telegram", "42")
    assert long_day(slot.starts_at, "fr") in replies[0].text  # "jeudi 3 décembre 2026"
    assert long_day(slot.starts_at, "fr") != long_day(slot.starts_at, "en")
    rows = await OutboxStore(db).by_prefix(f"booking:{booking.id}:")
    assert {r.status for r in rows} == {"sent"}


async def test_reminders_of_a_cancelled_booking_are_never_sent(db: Database) -> None:
    s1, s2 = await make_slots(db, [future(30), future(40)])
    user_id = await make_user(db, "7", channel="telegram")
    store = BookingStore(db)
    early = (await store.book_slot(user_id, s1.id or 0, topic="work", language="en")).booking
    late = (await store.book_slot(user_id, s2.id or 0, topic="work", language="en")).booking
    await store.cancel(user_id, early.id)
    await make_reminders_due(db, "booking:")
    sender = RecordingSender("telegram")
    dispatcher = ReminderDispatcher(db, senders_with(sender), FAST)
    # Claim first, then cancel the other booking before the dispatcher gets to send.
    claimed = await dispatcher.outbox.claim(dispatcher.worker, limit=10, lease=timedelta(minutes=1))
    assert len(claimed) == 2  # the cancelled booking's rows are not even claimed
    await store.cancel(user_id, late.id)
    users = await dispatcher._users({row.user_id for row in claimed})
    for row in claimed:
        await dispatcher._handle(row, users[row.user_id])
    await dispatcher._close_conn()
    assert sender.sent == []
    assert await dispatcher.run_once() == 0


async def test_transient_failures_back_off_then_give_up(db: Database) -> None:
    await make_due(db, "telegram", 1)
    sender = RecordingSender("telegram", [SendResult.retry("HTTP 502")] * 10)
    config = DispatcherConfig(rate_per_second=1000, backoff_seconds=10, max_attempts=3)
    dispatcher = ReminderDispatcher(db, senders_with(sender), config, renderers=NOTE)
    store = OutboxStore(db)
    delays = []
    for attempt in range(1, 4):
        before = utcnow()
        assert await dispatcher.run_once() == 1
        (row,) = await store.by_prefix("test:")
        assert row.attempts == attempt and "HTTP 502" in (row.last_error or "")
        if attempt < 3:
            assert row.status == "pending"
            delays.append((row.due_at - before).total_seconds())
            await make_reminders_due(db, "test:")
    assert row.status == "failed" and "gave up after 3 attempts" in (row.last_error or "")
    assert 9 <= delays[0] <= 11.5 and 18 <= delays[1] <= 22.5  # exponential backoff
    assert sender.sent == []


async def test_permanent_failure_stops_with_the_reason(db: Database) -> None:
    await make_due(db, "telegram", 1)
    sender = RecordingSender("telegram", [SendResult.failed("Forbidden: bot was blocked")])
    dispatcher = ReminderDispatcher(db, senders_with(sender), FAST, renderers=NOTE)
    await dispatcher.run_once()
    (row,) = await OutboxStore(db).by_prefix("test:")
    assert (row.status, row.last_error, row.attempts) == ("failed", "Forbidden: bot was blocked", 1)
    await make_reminders_due(db, "test:")
    assert await dispatcher.run_once() == 0  # never tried again


async def test_a_channel_without_sender_here_is_retried_not_dropped(db: Database) -> None:
    await make_due(db, "wechat", 1)
    dispatcher = ReminderDispatcher(db, Channels(), FAST, renderers=NOTE)
    await dispatcher.run_once()
    (row,) = await OutboxStore(db).by_prefix("test:")
    assert row.status == "pending" and "no sender" in (row.last_error or "")


async def test_platform_rate_limit_and_retry_after_are_honoured(db: Database) -> None:
    platform = FakePlatform(rate=5)
    url = await platform.start()
    sender = FakePlatformSender("telegram", url)
    try:
        await make_due(db, "telegram", 12)
        # Deliberately faster than the platform allows, to provoke 429s.
        config = DispatcherConfig(rate_per_second=50, poll_seconds=0.05, lease_seconds=60)
        dispatcher = ReminderDispatcher(db, senders_with(sender), config, renderers=NOTE)
        stop = asyncio.Event()
        task = asyncio.create_task(dispatcher.run(stop))
        for _ in range(200):
            if len(platform.accepted) == 12:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await task
    finally:
        await sender.close()
        await platform.stop()
    assert sorted(t for _at, _c, t in platform.accepted) == sorted(f"n{n}" for n in range(12))
    assert platform.too_many, "the test should have provoked the platform's limit"
    for at, retry_after in platform.too_many:
        # Nothing was sent during a retry_after the platform asked for.
        early = [r for r in platform.requests if at < r < at + retry_after - 0.05]
        assert early == [], f"sent {len(early)} request(s) inside a retry_after window"
    assert dispatcher.stats.rate_limited == len(platform.too_many)
    rows = await OutboxStore(db).by_prefix("test:")
    assert {r.status for r in rows} == {"sent"}
    assert all(r.attempts == 1 for r in rows)  # a 429 does not count as a failed attempt


async def test_two_dispatchers_never_send_the_same_row(db: Database) -> None:
    await make_due(db, "telegram", 120)
    sender = RecordingSender("telegram")
    other_db = Database(db.url, pool_size=5, schema=db.schema)
    config = DispatcherConfig(rate_per_second=2000, poll_seconds=0.02, batch_size=7)
    first = ReminderDispatcher(db, senders_with(sender), config, renderers=NOTE)
    second = ReminderDispatcher(other_db, senders_with(sender), config, renderers=NOTE)
    stop = asyncio.Event()
    try:
        tasks = [asyncio.create_task(d.run(stop)) for d in (first, second)]
        for _ in range(400):
            if len(sender.sent) >= 120:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # give a duplicate the chance to show up
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        await other_db.dispose()
    texts = [replies[0].text for _ref, replies in sender.sent]
    assert sorted(texts) == sorted(f"n{n}" for n in range(120))
    if db.is_postgres:
        assert first.stats.sent > 0 and second.stats.sent > 0  # both really worked
    else:
        assert 0 in (first.stats.sent, second.stats.sent)  # one lease holder on SQLite


@pytest.mark.parametrize("hint", ["renewed", "expired"])
async def test_sqlite_lease_passes_on_only_when_expired(db: Database, hint: str) -> None:
    if db.is_postgres:
        pytest.skip("the lease is SQLite's; PostgreSQL shares rows with SKIP LOCKED")
    config = DispatcherConfig(lease_seconds=0.3 if hint == "expired" else 30)
    a = ReminderDispatcher(db, Channels(), config, worker_id="a")
    b = ReminderDispatcher(db, Channels(), config, worker_id="b")
    assert await a.lease.hold() is True
    assert await b.lease.hold() is False
    await asyncio.sleep(0.4)
    assert await b.lease.hold() is (hint == "expired")


async def test_dispatchers_on_postgres_share_one_rate_budget(db: Database) -> None:
    if not db.is_postgres:
        pytest.skip("on SQLite one lease holder sends; its pacing is in memory")
    platform = FakePlatform(rate=10)
    url = await platform.start()
    sender = FakePlatformSender("telegram", url)
    other_db = Database(db.url, pool_size=5, schema=db.schema)
    try:
        await make_due(db, "telegram", 40)
        # Each alone would stay under the limit; together, unshared, they would double it.
        config = DispatcherConfig(rate_per_second=9, poll_seconds=0.05, batch_size=5)
        workers = [
            ReminderDispatcher(d, senders_with(sender), config, renderers=NOTE)
            for d in (db, other_db)
        ]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(w.run(stop)) for w in workers]
        for _ in range(300):
            if len(platform.accepted) == 40:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.gather(*tasks)
    finally:
        await sender.close()
        await platform.stop()
        await other_db.dispose()
    assert len(platform.accepted) == 40
    assert all(w.stats.sent > 0 for w in workers)
    assert platform.too_many == []
    times = [at for at, _c, _t in platform.accepted]
    span = times[-1] - times[0]
    assert span >= 39 / 9 * 0.95  # together at 9 a second, not 18


async def test_reminders_through_the_real_telegram_stack_respect_its_limits(
    db: Database,
) -> None:
    """The dispatcher, python-telegram-bot's HTTP stack and our limiter against the fake Bot
    API at 20 messages/s overall and 1/s per chat: every reminder arrives once, and no 429."""
    from bot.channels.telegram.adapter import build_application
    from bot.channels.telegram.ratelimit import Limits, RateLimiter
    from bot.channels.telegram.sender import TelegramSender
    from bot.config import load_settings
    from bot.store.users import UserStore
    from fakes.telegram import TOKEN, FakeTelegram

    fake = FakeTelegram(overall=20, per_chat=1)
    url = await fake.start()
    settings = load_settings(telegram_bot_token=TOKEN, telegram_api_url=url, _env_file=None)
    bot = build_application(settings).bot
    await bot.initialize()
    limiter = RateLimiter(Limits(per_second_global=20, per_second_chat=1))
    sender = TelegramSender(bot, limiter, UserStore(db))
    try:
        await make_due(db, "telegram", 30, prefix="7000")
        await make_due(db, "telegram", 3, prefix="7100")
        config = DispatcherConfig(rate_per_second=100, poll_seconds=0.05, lease_seconds=60)
        dispatcher = ReminderDispatcher(db, senders_with(sender), config, renderers=NOTE)
        while await dispatcher.run_once():
            pass
    finally:
        await bot.shutdown()
        await fake.stop()
    sent = sorted(t for chat in fake.chat_log.values() for t in (s.text for s in chat) if t)
    expected = sorted([f"7000{n}" for n in range(30)] + [f"7100{n}" for n in range(3)])
    assert sent == expected  # nothing lost, nothing twice
    assert fake.too_many == 0  # the limiter kept under both limits; no 429 surfaced
    rows = await OutboxStore(db).by_prefix("test:")
    assert {r.status for r in rows} == {"sent"}
