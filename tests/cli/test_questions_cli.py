"""Staff see what Linzhu could not answer and how answers were rated (store and CLI)."""

from datetime import timedelta

import pytest

from bot.cli.main import main
from bot.config import Settings, get_settings
from bot.core.types import UserRef, utcnow
from bot.store.db import Database
from bot.store.questions import QuestionStore
from bot.store.users import UserStore


async def test_unanswered_resolve_and_feedback_summary(db: Database) -> None:
    store = QuestionStore(db)
    for text in ("where to park a bike", "猫の予防接種"):
        await store.record_unanswered(user_id=None, channel="web", text=text, locale="en")
    rows = await store.unanswered()
    assert [r.text for r in rows] == ["猫の予防接種", "where to park a bike"]  # newest first
    assert await store.resolve([rows[0].id]) == 1  # type: ignore[list-item]
    assert await store.resolve([rows[0].id]) == 0  # type: ignore[list-item]
    assert [r.text for r in await store.unanswered()] == ["where to park a bike"]
    assert len(await store.unanswered(include_resolved=True)) == 2
    assert await store.unanswered(since=utcnow() + timedelta(minutes=1)) == []

    for topic, helpful in [("a.b", True), ("a.b", False), ("c.d", False), ("c.d", False)]:
        await store.record_feedback(user_id=None, topic=topic, helpful=helpful, locale="en")
    assert await store.feedback_summary() == [("c.d", 0, 2), ("a.b", 1, 1)]


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    if settings.database_schema:
        monkeypatch.setenv("DATABASE_SCHEMA", settings.database_schema)
    get_settings.cache_clear()


async def test_cli_lists_as_csv_and_resolves(
    db: Database, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await QuestionStore(db).record_unanswered(
        user_id=None, channel="telegram", text="Wo parke ich?", locale="de",
        candidates=[{"faq_id": "living.community-centre", "score": 0.2}],
    )  # fmt: skip
    try:
        assert await _run(["questions", "list", "--format", "csv"]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("id,time,channel,locale,text")
        assert ",telegram,de,Wo parke ich?,living.community-centre,,no_match,," in out[1]
        question_id = out[1].split(",")[0]
        assert await _run(["questions", "resolve", question_id]) == 0
        assert await _run(["questions", "list"]) == 0
        assert "No open questions" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


async def _run(argv: list[str]) -> int:
    import asyncio

    # The CLI runs its own event loop: keep it off this test's loop.
    return await asyncio.to_thread(main, argv)


async def test_cli_shows_what_residents_tapped_on_did_you_mean(
    db: Database, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    store = QuestionStore(db)
    async with db.transaction() as session:
        user = await UserStore(db).touch(session, UserRef("web", "tapper"))
    offered = [{"faq_id": t, "offered": True} for t in ("medical.dental", "medical.pharmacy")]
    asked = await store.record_unanswered(
        user_id=user.id, channel="web", text="tooth broke", locale="en",
        candidates=offered, outcome="did_you_mean",
    )  # fmt: skip
    assert await store.record_choice(asked, user_id=user.id, chosen="medical.dental")
    assert not await store.record_choice(asked, user_id=None, chosen="medical.pharmacy")
    try:
        assert await _run(["questions", "list"]) == 0
        out = capsys.readouterr().out
        assert "tooth broke" in out
        assert "offered medical.dental, medical.pharmacy; tapped: medical.dental" in out
        assert "worth adding to that topic's alternates" in out
    finally:
        get_settings.cache_clear()
