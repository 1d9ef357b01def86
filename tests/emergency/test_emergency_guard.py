"""The emergency guard through the whole pipeline: first, in any flow, counted, on both DBs."""

from datetime import timedelta

import pytest

from bot.cli.main import main
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.core.types import utcnow
from bot.i18n import _, use_locale
from bot.store.activity import EMERGENCY_GUARD, ActivityStore
from bot.store.db import Database
from bot.store.tables import ActivityLog
from tests.harness import Conversation


async def test_guard_answers_with_numbers_then_words_then_card(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    replies = await conversation.say("My husband has chest pain and is sweating")
    assert len(replies) == 3
    assert "120" in replies[0].text and "110" in replies[0].text and "119" in replies[0].text
    assert "我需要救护车" in replies[1].text
    assert "请派救护车到" in replies[2].text
    assert [b.payload for b in replies[2].buttons] == ["emergency:address", "medical:need"]
    rows = await dispatcher.services.questions.unanswered()
    assert rows == []  # the guard answered; the FAQ fallback never saw it


async def test_guard_interrupts_a_flow_and_the_flow_survives(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    await conversation.tap("lang:set:ko")
    await conversation.say("/school")
    replies = await conversation.say("아기가 숨을 안 쉬어요")
    assert "120" in replies[0].text
    with use_locale("ko"):
        carry_on = _("When you are safe, you can carry on where you left off.")
    assert carry_on != "When you are safe, you can carry on where you left off."  # translated
    assert carry_on in replies[-1].text
    await conversation.say("2020년 5월 3일")  # back to the school guide's question
    assert any(p.startswith("school:year:") for r in conversation.last.replies for p in  # type: ignore[union-attr]
               [b.payload for b in r.buttons])  # fmt: skip
    async with dispatcher.services.db.session() as session:
        (row,) = (await session.execute(ActivityLog.__table__.select())).all()  # type: ignore[attr-defined]
    assert row.kind == EMERGENCY_GUARD and row.locale == "ko"
    assert row.detail == {
        "via": "text",
        "flow": "school",
        "term": "숨을 안 쉬",
        "term_locale": "ko",
    }


async def test_ordinary_question_is_not_caught(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    await conversation.say("my child has a mild fever, which hospital?")
    assert "请派救护车到" not in conversation.text()  # the FAQ answers, not the guard
    async with dispatcher.services.db.session() as session:
        rows = (await session.execute(ActivityLog.__table__.select())).all()  # type: ignore[attr-defined]
    assert rows == []


async def test_address_card_is_made_and_not_kept(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    await conversation.say("救护车！")
    await conversation.tap("emergency:address")
    replies = await conversation.say("长宁区虹桥路1号")
    assert "请派救护车到" in replies[0].text and "长宁区虹桥路1号" in replies[0].text
    user = await dispatcher.services.users.get(conversation.user)
    async with dispatcher.services.db.session() as session:
        state = await dispatcher.services.states.load(session, user.id)  # type: ignore[union-attr]
    assert (state.flow, state.data) == (None, {})
    assert await dispatcher.services.questions.unanswered() == []


async def test_activity_counts(db: Database) -> None:
    store = ActivityStore(db)
    now = utcnow()
    await store.record(EMERGENCY_GUARD, user_id=None, locale="en", at=now - timedelta(days=40))
    await store.record(EMERGENCY_GUARD, user_id=None, locale="ja")
    await store.record(EMERGENCY_GUARD, user_id=None, locale="ja")
    await store.record("language_switch", user_id=None, locale="ja")
    assert await store.count(EMERGENCY_GUARD) == 3
    assert await store.count(EMERGENCY_GUARD, since=now - timedelta(days=30)) == 2
    assert await store.count_by_locale(EMERGENCY_GUARD) == {"ja": 2, "en": 1}


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_stats_command(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from bot.config import get_settings

    async def seed() -> None:
        db = Database(settings.database_url)
        await ActivityStore(db).record(EMERGENCY_GUARD, user_id=None, locale="fr")
        await db.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        assert main(["stats", "emergencies", "--days", "7"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "last 7 days: 1 (all time: 1)" in out and "fr" in out
