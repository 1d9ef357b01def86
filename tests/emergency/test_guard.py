"""The emergency guard through the whole pipeline, on both databases: first, in every flow
step, for a new user, in a language Linzhu does not speak; the reply; asking; the address
card; the activity log and `linzhu stats emergencies`."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.cli.main import main
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.core.markup import phone
from bot.core.router import ANY_STEP
from bot.core.state import FlowState
from bot.core.types import Reply, UserRef, utcnow
from bot.handlers import emergency
from bot.handlers.routes import build_routes
from bot.store.activity import EMERGENCY_ASK, EMERGENCY_DECLINED, EMERGENCY_GUARD, ActivityStore
from bot.store.db import Database
from bot.store.tables import ActivityLog
from tests.harness import Conversation, tr

ADDRESS = "长宁区仙霞路99号3号楼201室"


def is_emergency_reply(replies: list[Reply]) -> bool:
    """One message, the number first, only `emergency:` buttons (as monitoring sees it)."""
    if len(replies) != 1:
        return False
    reply = replies[0]
    return (
        reply.text.startswith("📞")
        and "tel:" in reply.text.splitlines()[0]
        and bool(reply.buttons)
        and all(b.payload.startswith("emergency:") for b in reply.buttons)
    )


async def activity(dispatcher: Dispatcher) -> list[tuple[str, str | None, dict[str, str]]]:
    async with dispatcher.services.db.session() as session:
        rows = (await session.execute(select(ActivityLog).order_by(ActivityLog.id))).scalars()
        return [(r.kind, r.locale, dict(r.detail)) for r in rows]


async def state_of(dispatcher: Dispatcher, conversation: Conversation) -> FlowState:
    user = await dispatcher.services.users.get(conversation.user)
    assert user is not None and user.id is not None
    async with dispatcher.services.db.session() as session:
        return await dispatcher.services.states.load(session, user.id)


async def test_the_reply_is_one_message_with_the_number_first(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    replies = await conversation.say("My husband has chest pain and is sweating")
    assert is_emergency_reply(replies)
    (reply,) = replies
    first_line = reply.text.splitlines()[0]
    assert phone("120") in first_line and "ambulance" in first_line
    assert "*Do this now:*" in reply.text and "CPR" in reply.text
    assert "请派救护车到" in reply.text and "胸口剧痛" in reply.text  # the kind's card
    assert "/medical" not in reply.text  # no loop back to "Is someone in danger?"
    assert [b.payload for b in reply.buttons] == [
        "emergency:address:cardiac_stroke",
        "emergency:no",
    ]
    assert await dispatcher.services.questions.unanswered() == []  # the FAQ never saw it
    [(kind, locale, detail)] = await activity(dispatcher)
    assert (kind, locale) == (EMERGENCY_GUARD, "en")
    assert detail == {"kind": "cardiac_stroke", "signal": "phrase+semantic", "flow": ""}


@pytest.mark.parametrize(
    ("text", "numbers", "card"),
    [
        ("there is smoke everywhere, our kitchen is on fire", ["119"], "请派消防车到"),
        ("strong gas smell in the flat and my wife feels dizzy", ["119"], "请派消防车到"),
        ("a man with a knife broke into our flat", ["110"], "请派警察到"),
        ("I lost my son in the metro, he is 5", ["110"], "请派警察到"),
        (
            "a car hit my daughter on her bike, her leg is bleeding",
            ["120", "122"],
            "请派救护车和交警到",
        ),
        ("我女儿被开水烫伤了，起了大水泡", ["120"], "请派救护车到"),
    ],
)
async def test_each_kind_calls_its_service(
    conversation: Conversation, text: str, numbers: list[str], card: str
) -> None:
    replies = await conversation.say(text)
    assert is_emergency_reply(replies)
    first_line = replies[0].text.splitlines()[0]
    assert [n for n in ("120", "119", "110", "122") if phone(n) in first_line] == numbers
    assert card in replies[0].text


def every_step() -> list[tuple[str, str]]:
    return sorted(
        (flow, "any" if step == ANY_STEP else step) for flow, step in build_routes().steps
    )


@pytest.mark.parametrize(("flow", "step"), every_step())
async def test_it_fires_in_every_flow_step(
    conversation: Conversation, dispatcher: Dispatcher, flow: str, step: str
) -> None:
    await conversation.say("/start")
    user = await dispatcher.services.users.get(conversation.user)
    assert user is not None and user.id is not None
    state = FlowState(flow, step, {})
    async with dispatcher.services.db.transaction() as session:
        await dispatcher.services.states.save(session, user.id, state)
    assert is_emergency_reply(await conversation.say("my father collapsed and is not breathing"))
    after = await state_of(dispatcher, conversation)
    assert (after.flow, after.step) == (flow, step)  # the flow waits for the resident


async def test_the_first_message_of_a_new_user(dispatcher: Dispatcher) -> None:
    newcomer = Conversation(dispatcher, UserRef("web", "first-timer"))
    replies = await newcomer.say("아빠가 갑자기 쓰러져서 숨을 안 쉬어요")
    assert is_emergency_reply(replies) and newcomer.locale == "ko"
    assert tr("ko", "*Do this now:*") in replies[0].text


async def test_a_language_linzhu_does_not_speak_gets_english_and_chinese(
    conversation: Conversation,
) -> None:
    replies = await conversation.say("mio figlio è caduto dal balcone e non si sveglia, aiuto")
    assert is_emergency_reply(replies)  # not the language menu
    text = replies[0].text
    assert "📞 Call" in text and tr("zh_Hans", "📞 Call {number} now").split("{")[0] in text
    labels = [b.label for b in replies[0].buttons]
    assert labels[0] == "Put my address on the card / " + tr(
        "zh_Hans", "Put my address on the card"
    )


async def test_unsure_it_asks_first_and_the_answer_still_comes(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    replies = await conversation.say("something is wrong with my husband, he is grey and sweaty")
    ask, *rest = replies
    assert "Is someone in danger right now?" in ask.text and phone("120") in ask.text
    assert all(phone(n) in ask.text for n in ("110", "119", "122"))
    assert [b.payload for b in ask.buttons] == [
        "emergency:answer:general:1",
        "emergency:answer:general:0",
    ]
    assert rest  # whatever answers the message comes after the question
    assert is_emergency_reply(await conversation.tap("emergency:answer:general:1"))
    calm = await conversation.tap("emergency:answer:general:0")
    assert phone("120") in calm[0].text
    events = [(kind, detail["signal"]) for kind, _l, detail in await activity(dispatcher)]
    assert events == [
        (EMERGENCY_ASK, "semantic"),
        (EMERGENCY_GUARD, "ask"),
        (EMERGENCY_DECLINED, "ask"),
    ]


async def test_ordinary_messages_are_left_alone(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    for text in ["my child has a mild fever, which hospital?", "how much does an ambulance cost?"]:
        replies = await conversation.say(text)
        assert not any(b.payload.startswith("emergency:") for r in replies for b in r.buttons)
    assert await activity(dispatcher) == []


async def test_chinese_address_keeps_the_language_and_the_flow(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    await conversation.say("아이 초등학교 입학은 어떻게 하나요?")  # the locale is detected: ko
    await conversation.say("/school")
    assert (await state_of(dispatcher, conversation)).flow == "school"
    replies = await conversation.say("아이가 베란다에서 떨어졌어요")
    assert is_emergency_reply(replies)
    prompt = await conversation.tap(replies[0].buttons[0].payload)
    assert conversation.locale == "ko" and prompt[0].text
    card = await conversation.say(ADDRESS)
    assert conversation.locale == "ko"  # the Chinese address switched nothing
    assert ADDRESS in card[0].text and tr("ko", "I haven't kept your address.") in card[0].text
    user = await dispatcher.services.users.get(conversation.user)
    assert user is not None and user.locale == "ko"
    state = await state_of(dispatcher, conversation)
    assert state.flow == "school" and ADDRESS not in str(state.data)  # the flow is back
    await conversation.say("2019년 5월 3일")  # and the school guide takes the next answer
    assert any(
        b.payload.startswith("school:") for r in conversation.last.replies for b in r.buttons
    )  # type: ignore[union-attr]
    # Outside a free-input step the same Chinese text does switch the conversation.
    await conversation.say("我想问一下孩子上学的事情")
    assert conversation.locale == "zh_Hans"


async def test_address_card_without_a_flow_is_not_kept(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    replies = await conversation.say("我爸倒地不省人事 救护车")
    await conversation.tap(replies[0].buttons[0].payload)
    card = await conversation.say(ADDRESS)
    assert is_emergency_reply(card) and ADDRESS in card[0].text
    state = await state_of(dispatcher, conversation)
    assert (state.flow, state.data) == (None, {})
    assert all(ADDRESS not in str(detail) for _k, _l, detail in await activity(dispatcher))


async def test_the_medical_guide_yes_button_gives_the_reply(conversation: Conversation) -> None:
    await conversation.say("/medical")
    replies = await conversation.tap("medical:emergency")
    assert is_emergency_reply(replies) and "/medical" not in replies[0].text


async def test_the_guard_answers_when_the_encoder_fails(
    conversation: Conversation, dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(text: str) -> None:
        raise RuntimeError("model gone")

    monkeypatch.setattr(dispatcher.services.knowledge, "embed", broken)
    assert is_emergency_reply(await conversation.say("my baby is not breathing"))


async def test_the_guard_does_not_wait_for_a_slow_encoder(
    conversation: Conversation, dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow(text: str) -> None:
        await asyncio.sleep(30)

    monkeypatch.setattr(dispatcher.services.knowledge, "embed", slow)
    monkeypatch.setattr(emergency.guard, "EMBED_WAIT", 0.05)
    replies = await asyncio.wait_for(conversation.say("baby not breathing help"), timeout=10)
    assert replies and is_emergency_reply(replies[:1])
    [(_kind, _locale, detail)] = await activity(dispatcher)
    assert detail["signal"] == "phrase"


async def test_activity_counts(db: Database) -> None:
    store = ActivityStore(db)
    now = utcnow()
    await store.record(EMERGENCY_GUARD, user_id=None, locale="en", at=now - timedelta(days=40))
    await store.record(EMERGENCY_GUARD, user_id=None, locale="ja", detail={"kind": "fire"})
    await store.record(EMERGENCY_GUARD, user_id=None, locale="ja", detail={"kind": "burns"})
    await store.record("language_switch", user_id=None, locale="ja")
    assert await store.count(EMERGENCY_GUARD) == 3
    assert await store.count(EMERGENCY_GUARD, since=now - timedelta(days=30)) == 2
    assert await store.count_by_locale(EMERGENCY_GUARD) == {"ja": 2, "en": 1}
    recent = await store.details(EMERGENCY_GUARD, since=now - timedelta(days=30))
    assert sorted(d["kind"] for _l, d in recent) == ["burns", "fire"]


@pytest.mark.parametrize("db_backend", ["sqlite"], indirect=True)
def test_stats_command(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.config import get_settings

    async def seed() -> None:
        db = Database(settings.database_url)
        store = ActivityStore(db)
        for kind, signal, locale in [
            ("fire", "phrase+semantic", "fr"),
            ("fire", "ask", "fr"),
            ("bleeding", "phrase+semantic", "ja"),
        ]:
            detail = {"kind": kind, "signal": signal, "flow": ""}
            await store.record(EMERGENCY_GUARD, user_id=None, locale=locale, detail=detail)
        await store.record(EMERGENCY_ASK, user_id=None, locale="fr", detail={"kind": "fire"})
        await db.dispose()

    asyncio.run(seed())
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        assert main(["stats", "emergencies", "--days", "7"]) == 0
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "last 7 days: 3 (all time: 3)" in out
    assert "asked: 1, answered no: 0" in out
    assert "fire                 2   (ask 1, phrase+semantic 1)" in out
    assert "fr                   2" in out and "ja                   1" in out


async def test_the_question_survives_a_failing_handler(
    conversation: Conversation, dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object) -> list[Reply]:
        raise RuntimeError("the FAQ is down")

    monkeypatch.setitem(dispatcher.routes.singles, "text", broken)
    replies = await conversation.say("something is wrong with my husband, he is grey and sweaty")
    assert "Is someone in danger right now?" in replies[0].text
    assert replies[1:] and "something went wrong" in replies[-1].text
