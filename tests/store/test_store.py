"""The store on SQLite and PostgreSQL: users, state, dedupe, and migrations = models."""

import asyncio
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.core.types import UserRef, utcnow
from bot.store.db import Database
from bot.store.dedupe import DedupeStore
from bot.store.questions import QuestionStore
from bot.store.state import FlowState, StateStore
from bot.store.tables import UnansweredQuestion, User
from bot.store.users import UserStore


async def test_migrations_match_models(db: Database) -> None:
    def diff(conn: object) -> list[object]:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(ctx, SQLModel.metadata))

    async with db.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_touch_creates_then_updates_user(db: Database) -> None:
    users = UserStore(db)
    ref = UserRef("telegram", "42")
    t1 = utcnow()
    async with db.transaction() as s:
        first = await users.touch(s, ref, platform_language="ja", now=t1)
    async with db.transaction() as s:
        again = await users.touch(s, ref, now=t1 + timedelta(minutes=5))
    assert first.id == again.id
    assert again.first_seen == t1
    assert again.last_seen == t1 + timedelta(minutes=5)
    assert again.platform_language == "ja"  # kept when the next update carries no hint


async def test_same_external_id_on_two_channels_are_two_users(db: Database) -> None:
    users = UserStore(db)
    async with db.transaction() as s:
        a = await users.touch(s, UserRef("telegram", "7"))
        b = await users.touch(s, UserRef("wechat", "7"))
    assert a.id != b.id


async def test_deactivate_then_message_revives(db: Database) -> None:
    users = UserStore(db)
    ref = UserRef("telegram", "9")
    async with db.transaction() as s:
        await users.touch(s, ref)
    await users.deactivate(ref, "blocked by the user")
    assert (await users.get(ref)).active is False  # type: ignore[union-attr]
    async with db.transaction() as s:
        user = await users.touch(s, ref)
    assert user.active is True and user.inactive_reason is None


async def test_state_round_trip_and_expiry(db: Database) -> None:
    users, states = UserStore(db), StateStore(db, timedelta(minutes=30))
    async with db.transaction() as s:
        user = await users.touch(s, UserRef("web", "s"))
        await states.save(
            s, user.id, FlowState("school", "birth", {"year": 2027, "名": "美"}, ["a:1"])
        )
    async with db.session() as s:
        loaded = await states.load(s, user.id)
        expired = await states.load(s, user.id, now=utcnow() + timedelta(minutes=31))
    assert (loaded.flow, loaded.step, loaded.data, loaded.menu) == (
        "school",
        "birth",
        {"year": 2027, "名": "美"},
        ["a:1"],
    )
    assert expired.flow is None and expired.data == {}


async def test_dedupe_answers_true_once_under_concurrency(db: Database) -> None:
    dedupe = DedupeStore(db)
    results = await asyncio.gather(*(dedupe.first_time("telegram", "1001") for _ in range(20)))
    assert results.count(True) == 1
    assert await dedupe.first_time("wechat", "1001") is True  # namespaced by channel


async def test_dedupe_forgets_old_ids(db: Database) -> None:
    dedupe = DedupeStore(db)
    await dedupe.first_time("telegram", "old")
    assert await dedupe.forget_before(utcnow() + timedelta(seconds=1)) == 1
    assert await dedupe.first_time("telegram", "old") is True


async def test_unanswered_question_is_kept(db: Database) -> None:
    questions = QuestionStore(db)
    await questions.record_unanswered(
        user_id=None,
        channel="web",
        text="猫?",
        locale="zh_Hans",
        candidates=[{"faq_id": "x", "score": 0.1}],
    )
    rows = await questions.unanswered()
    assert [(r.text, r.locale, r.candidates) for r in rows] == [
        ("猫?", "zh_Hans", [{"faq_id": "x", "score": 0.1}])
    ]
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(UnansweredQuestion))).scalar() == 1
        assert (await s.execute(select(func.count()).select_from(User))).scalar() == 0
