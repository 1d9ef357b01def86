"""The reply-locale policy wired into the pipeline (detection → decision → stored user)."""

from bot.core.dispatcher import Dispatcher
from tests.harness import Conversation


async def test_first_message_language_is_detected_and_kept(conversation: Conversation) -> None:
    await conversation.say("우리 아이 학교 입학은 어떻게 하나요?")
    assert conversation.locale == "ko"
    await conversation.say("ok")  # no signal: never flips
    assert conversation.locale == "ko"
    await conversation.say("123")
    assert conversation.locale == "ko"


async def test_confident_message_switches_a_detected_locale(conversation: Conversation) -> None:
    await conversation.say("Wie melde ich mein Kind in der Schule an?")
    assert conversation.locale == "de"
    await conversation.say("Где найти врача, который говорит по-английски?")
    assert conversation.locale == "ru"


async def test_explicit_choice_wins_and_a_switch_is_offered(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    await conversation.tap("lang:set:fr")
    await conversation.say("日本語を話せる医者を探しています")
    assert conversation.locale == "fr"
    offered = [b.payload for r in conversation.last.replies for b in r.buttons]  # type: ignore[union-attr]
    assert "lang:set:ja" in offered
    await conversation.tap("lang:set:ja")
    assert conversation.locale == "ja"
    user = await dispatcher.services.users.get(conversation.user)
    assert user is not None and (user.locale, user.locale_source) == ("ja", "explicit")


async def test_unsupported_language_gets_the_language_menu(conversation: Conversation) -> None:
    await conversation.say("Buongiorno, vorrei sapere come iscrivere mio figlio a scuola")
    payloads = [b.payload for r in conversation.last.replies for b in r.buttons]  # type: ignore[union-attr]
    assert payloads[:9] == [
        "lang:set:en",
        "lang:set:zh_Hans",
        "lang:set:zh_Hant",
        "lang:set:ja",
        "lang:set:ko",
        "lang:set:fr",
        "lang:set:de",
        "lang:set:es",
        "lang:set:ru",
    ]


async def test_traditional_chinese_hint_and_text(conversation: Conversation) -> None:
    conversation.language_hint = "zh-TW"
    await conversation.say("好的")  # shared characters only: the hint decides
    assert conversation.locale == "zh_Hant"
