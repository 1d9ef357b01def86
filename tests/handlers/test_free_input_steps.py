"""Text typed inside a flow in another script (issue 16, finding 1): a Chinese address in a
booking note, a WeChat ID labelled in Chinese, a name in a sign-up question, a birth date
written "2019年10月15日" — every step that takes free text keeps the conversation's language
and goes on with the flow. Through the whole pipeline, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.core.dispatcher import Dispatcher
from bot.core.state import FlowState
from bot.core.types import Button
from bot.handlers.routes import build_routes
from bot.store.events.admin import EventAdmin
from tests.consultations.helpers import future, make_slots
from tests.events.helpers import make_event
from tests.harness import Conversation, tr

ADDRESS_NOTE = "请到上海市长宁区古北路1000号3楼门口接我"
MIXED_NOTE = "Meet me at 古北路1000号, 3楼 please"
KOREAN = "아이 초등학교 입학은 어떻게 하나요?"  # Hangul: the locale is detected as ko
JAPANESE = "子供の学校の入学について教えてください"  # Kana: ja


async def state_of(chat: Conversation) -> FlowState:
    services = chat.dispatcher.services
    user = await services.users.get(chat.user)
    assert user is not None and user.id is not None
    async with services.db.session() as session:
        return await services.states.load(session, user.id)


def button(chat: Conversation, prefix: str) -> Button:
    assert chat.last is not None
    found = [b for r in chat.last.replies for b in r.buttons if b.payload.startswith(prefix)]
    assert found, f"no button {prefix}… in {chat.text()!r}"
    return found[0]


async def stored_locale(chat: Conversation) -> str | None:
    user = await chat.dispatcher.services.users.get(chat.user)
    assert user is not None
    return user.locale


async def to_the_time(chat: Conversation, language: str) -> None:
    await chat.say("/book")
    await chat.tap("book:topic:school")
    await chat.tap(button(chat, f"book:lang:{language}").payload)
    await chat.tap(button(chat, "book:day:").payload)
    await chat.tap(button(chat, "book:time:").payload)


def test_every_free_text_step_is_declared() -> None:
    """The steps that take a resident's own words, not a choice among buttons."""
    routes = build_routes()
    for flow, step in [
        ("book", "note"),
        ("book", "contact"),
        ("events_signup", "answer"),
        ("school", "birth"),
        ("school", "day"),
        ("school", "confirm"),
        ("emergency", "address"),
    ]:
        assert routes.expects_free_input(flow, step), (flow, step)
    # A step that wants a button still reads the language of what is typed there.
    for flow, step in [("book", "topic"), ("book", "time"), ("school", "preference")]:
        assert not routes.expects_free_input(flow, step), (flow, step)


async def test_a_chinese_note_keeps_korean_and_the_booking(dispatcher: Dispatcher) -> None:
    chat = Conversation(dispatcher)
    await make_slots(dispatcher.services.db, [future(30)], languages=("ko", "en"))
    await chat.say(KOREAN)
    assert chat.locale == "ko"
    await to_the_time(chat, "ko")
    assert (await state_of(chat)).step == "note"
    await chat.say(ADDRESS_NOTE)
    assert chat.locale == "ko" and await stored_locale(chat) == "ko"
    assert tr("ko", "Please check your consultation:") in chat.text()
    assert ADDRESS_NOTE in chat.text()
    assert (await state_of(chat)).step == "confirm"
    await chat.tap(button(chat, "book:confirm:").payload)
    assert tr("ko", "✅ Booked! We look forward to seeing you.") in chat.text()
    assert chat.locale == "ko"


async def test_a_mixed_note_keeps_english_from_the_platform(dispatcher: Dispatcher) -> None:
    chat = Conversation(dispatcher, language_hint="en")
    await make_slots(dispatcher.services.db, [future(30)])
    await to_the_time(chat, "en")
    await chat.say(MIXED_NOTE)
    assert chat.locale == "en" and "Please check your consultation:" in chat.text()
    assert not any(b.payload.startswith("lang:set:") for b in chat.last.replies[-1].buttons)  # type: ignore[union-attr]


async def test_a_contact_labelled_in_chinese_keeps_japanese(dispatcher: Dispatcher) -> None:
    chat = Conversation(dispatcher)
    await make_slots(dispatcher.services.db, [future(30)], languages=("ja",), mode="phone")
    await chat.say(JAPANESE)
    assert chat.locale == "ja"
    await to_the_time(chat, "ja")
    assert (await state_of(chat)).step == "contact"
    await chat.say("微信号：linzhu_mama")
    assert chat.locale == "ja" and await stored_locale(chat) == "ja"
    assert (await state_of(chat)).step == "note"
    await chat.say(ADDRESS_NOTE)
    assert chat.locale == "ja" and "linzhu_mama" in chat.text()
    assert (await state_of(chat)).step == "confirm"


async def test_a_chinese_name_in_a_signup_keeps_french(dispatcher: Dispatcher) -> None:
    chat = Conversation(dispatcher, language_hint="fr")
    questions = [
        {"id": "name", "text": {"en": "Your name?", "fr": "Votre nom ?"}},
        {"id": "address", "text": {"en": "Your address?", "fr": "Votre adresse ?"}},
    ]
    event = await make_event(dispatcher.services.db, questions=questions)
    await chat.tap(f"events:join:{event}")
    assert "Votre nom ?" in chat.text() and chat.locale == "fr"
    await chat.say("王小明")
    assert chat.locale == "fr" and "Votre adresse ?" in chat.text()
    assert (await state_of(chat)).flow == "events_signup"
    await chat.say("上海市长宁区古北路1000号")
    assert chat.locale == "fr" and await stored_locale(chat) in (None, "fr")
    assert (await state_of(chat)).flow is None  # registered, the flow is done
    _event, people = await EventAdmin(dispatcher.services.db).attendees(event)
    assert people[0].registration.answers == {
        "name": "王小明",
        "address": "上海市长宁区古北路1000号",
    }


async def test_a_kanji_birth_date_keeps_japanese_and_the_guide(dispatcher: Dispatcher) -> None:
    chat = Conversation(dispatcher)
    await chat.say(JAPANESE)
    await chat.say("/school")
    await chat.say("2019年10月15日")
    assert chat.locale == "ja" and await stored_locale(chat) == "ja"
    state = await state_of(chat)
    assert state.flow == "school" and state.step == "year"
    assert any(b.payload.startswith("school:year:") for r in chat.last.replies for b in r.buttons)  # type: ignore[union-attr]


async def test_a_chinese_birth_date_keeps_french_from_the_platform(
    dispatcher: Dispatcher,
) -> None:
    chat = Conversation(dispatcher, language_hint="fr")
    await chat.say("/school")
    await chat.say("2019年10月15日出生")
    assert chat.locale == "fr"
    assert (await state_of(chat)).step == "year"
    # Outside the step, the same script does switch (the one-tap switch of the design).
    await chat.say("我想问一下孩子上学的事情")
    assert chat.locale == "zh_Hans"
