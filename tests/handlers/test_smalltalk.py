"""Small talk in every locale: a short friendly reply, the flow left where it was, nothing filed
for staff; and the phrase list stays precise (questions are never taken for small talk)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef
from bot.guided.smalltalk import Kind, phrase_table, recognise
from bot.store.tables import UnansweredQuestion
from tests.harness import Conversation, tr

# What the personas typed (issue 16), and more of the same in each locale.
SMALL_TALK = {
    "en": [("ok", Kind.ACK), ("Thanks!", Kind.THANKS), ("hello", Kind.GREETING),
           ("bye", Kind.GOODBYE), ("Are you a bot?", Kind.BOT), ("who made you?", Kind.CREATOR),
           ("ok, thank you", Kind.THANKS), ("👍", Kind.ACK), ("no", Kind.ACK)],
    "zh_Hans": [("谢谢", Kind.THANKS), ("好的", Kind.ACK), ("你好", Kind.GREETING),
                ("再见", Kind.GOODBYE), ("你是机器人吗？", Kind.BOT), ("谁开发了你", Kind.CREATOR)],
    "zh_Hant": [("多謝", Kind.THANKS), ("唔該晒", Kind.THANKS), ("你好", Kind.GREETING),
                ("拜拜", Kind.GOODBYE), ("你是機器人嗎", Kind.BOT), ("好的", Kind.ACK)],
    "ja": [("ありがとう", Kind.THANKS), ("はい", Kind.ACK), ("こんにちは", Kind.GREETING),
           ("さようなら", Kind.GOODBYE), ("ボットですか？", Kind.BOT),
           ("誰が作ったの？", Kind.CREATOR), ("わかりました、ありがとうございます", Kind.THANKS)],
    "ko": [("감사합니다", Kind.THANKS), ("네", Kind.ACK), ("안녕하세요", Kind.GREETING),
           ("안녕히 계세요", Kind.GOODBYE), ("봇이에요?", Kind.BOT),
           ("누가 만들었어요?", Kind.CREATOR)],
    "fr": [("merci", Kind.THANKS), ("d'accord", Kind.ACK), ("Bonjour !", Kind.GREETING),
           ("Au revoir", Kind.GOODBYE), ("Vous êtes un robot ?", Kind.BOT),
           ("Qui t'a créé ?", Kind.CREATOR)],
    "de": [("ja", Kind.ACK), ("Danke schön", Kind.THANKS), ("Hallo", Kind.GREETING),
           ("Tschüss", Kind.GOODBYE), ("Bist du ein Bot?", Kind.BOT),
           ("Wer hat dich gemacht?", Kind.CREATOR)],
    "es": [("gracias", Kind.THANKS), ("vale", Kind.ACK), ("¡Hola!", Kind.GREETING),
           ("adiós", Kind.GOODBYE), ("¿Eres un robot?", Kind.BOT),
           ("¿Quién te creó?", Kind.CREATOR)],
    "ru": [("спасибо", Kind.THANKS), ("ок", Kind.ACK), ("Здравствуйте", Kind.GREETING),
           ("до свидания", Kind.GOODBYE), ("Ты бот?", Kind.BOT),
           ("Кто тебя создал?", Kind.CREATOR)],
}  # fmt: skip
CASES = [(locale, text, kind) for locale, cases in SMALL_TALK.items() for text, kind in cases]

# Questions and answers that merely contain small-talk words: never small talk.
NOT_SMALL_TALK = [
    "hello, how do I enrol my son in school?",
    "thanks, and where can I see a dentist?",
    "no school for my child yet",
    "ok 2",
    "notice",
    "多謝，活動提醒點樣取消？",
    "ありがとう、病院はどこですか",
    "merci pour l'info, et pour le visa ?",
    "Danke, wann ist die nächste Veranstaltung?",
    "2019年10月15日",
    "Bonjour, je cherche une école internationale près de Gubei pour ma fille de 7 ans",
]
REPLIES = {
    Kind.THANKS: "You're welcome! 😊",
    Kind.GOODBYE: "Goodbye, and all the best! Write to me any time.",
}


@pytest.mark.parametrize(("locale", "text", "kind"), CASES)
def test_small_talk_is_recognised_in_every_locale(locale: str, text: str, kind: Kind) -> None:
    found = recognise(text)
    assert found is not None, f"{locale}: {text!r} not recognised"
    assert found.kind is kind


@pytest.mark.parametrize("text", NOT_SMALL_TALK)
def test_questions_are_not_small_talk(text: str) -> None:
    assert recognise(text) is None


def test_every_phrase_is_a_string_and_recognised_alone() -> None:
    table = phrase_table()
    assert len(table) > 300
    assert all(recognise(" ".join(phrase)) is not None for phrase in table)


def test_every_locale_has_every_kind() -> None:
    import yaml

    from bot.guided.smalltalk import PHRASES_FILE
    from bot.i18n import LOCALES

    data = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    assert set(data) == {k.value for k in Kind}
    for kind, by_locale in data.items():
        assert set(by_locale) == set(LOCALES), kind


async def _unanswered(chat: Conversation) -> int:
    async with chat.dispatcher.services.db.session() as session:
        return int((await session.execute(select(func.count(UnansweredQuestion.id)))).scalar_one())


@pytest.mark.parametrize(("locale", "text", "kind"), [c for c in CASES if c[2] in REPLIES])
async def test_small_talk_gets_a_friendly_reply_in_the_residents_language(
    conversation: Conversation, locale: str, text: str, kind: Kind
) -> None:
    await conversation.tap(f"lang:set:{locale}")
    replies = await conversation.say(text)
    assert replies[0].text == tr(locale, REPLIES[kind])
    assert conversation.locale == locale
    assert await _unanswered(conversation) == 0


async def test_the_personas_small_talk_files_nothing_for_staff(conversation: Conversation) -> None:
    await conversation.tap("lang:set:fr")
    for text in ["ok", "merci", "ja", "ありがとう", "多謝", "Thanks", "hello", "👍"]:
        replies = await conversation.say(text)
        joined = "\n".join(r.text for r in replies)
        assert "12345" not in joined, f"{text!r} got the unanswered reply"
    assert await _unanswered(conversation) == 0


async def test_doje_xie_does_not_answer_an_faq(conversation: Conversation) -> None:
    await conversation.tap("lang:set:zh_Hant")
    replies = await conversation.say("多謝")
    assert [r.text for r in replies] == [tr("zh_Hant", REPLIES[Kind.THANKS])]
    assert not any(b.payload.startswith("faq:") for r in replies for b in r.buttons)


async def test_bot_and_creator_questions_are_answered_honestly(conversation: Conversation) -> None:
    replies = await conversation.say("are you a bot?")
    assert "automatic assistant" in replies[0].text
    assert any(b.payload == "book:start" for b in replies[0].buttons)
    replies = await conversation.say("who made you?")
    assert "Gubei Citizen Centre" in replies[0].text


async def test_small_talk_keeps_an_open_flow_where_it_is(conversation: Conversation) -> None:
    """The school guide waits for a year button; "thanks" gets a reply, the guide stays."""
    await conversation.say("/school")
    await conversation.say("2019-05-03")
    year = conversation.last.replies[0].buttons[0].payload  # type: ignore[union-attr]
    assert year.startswith("school:year:")
    replies = await conversation.say("thanks!")
    assert replies[0].text == tr("en", REPLIES[Kind.THANKS])
    # The guide's question again, with its buttons; and the guide is where it was.
    assert replies[1].buttons[0].payload == year
    placed = await conversation.tap(year)
    assert "a child born" in placed[0].text


async def test_numbers_still_pick_after_small_talk_on_numbered_channels(
    dispatcher: Dispatcher,
) -> None:
    """WeChat and the console number the options: "thanks" must not lose them."""
    chat = Conversation(dispatcher, UserRef("console", "numbers"))
    await chat.say("/school")
    await chat.say("2019-05-03")
    await chat.say("谢谢")
    placed = await chat.say("1")
    assert "a child born" in placed[0].text or "出生" in placed[0].text


async def test_a_flow_step_that_takes_free_text_keeps_ok_as_the_answer(
    conversation: Conversation,
) -> None:
    """A booking note "ok" is the note, not small talk."""
    from tests.consultations.helpers import future, make_slots

    await make_slots(conversation.dispatcher.services.db, [future(48)])
    await conversation.say("/book")
    await conversation.tap("book:topic:school")
    await conversation.tap("book:lang:en")
    day = next(b for r in conversation.last.replies for b in r.buttons if "book:day" in b.payload)  # type: ignore[union-attr]
    await conversation.tap(day.payload)
    slot = next(b for r in conversation.last.replies for b in r.buttons if "book:time" in b.payload)  # type: ignore[union-attr]
    await conversation.tap(slot.payload)
    replies = await conversation.say("ok")
    assert tr("en", "Your note: {note}").format(note="ok") in replies[0].text
