"""The medical guide end to end in three languages, through the conversation harness."""

import pytest

from bot.channels.wechat.render import render_texts
from bot.core.dispatcher import Dispatcher
from bot.i18n import _, use_locale
from tests.harness import Conversation

NEEDS = ["gp", "children", "dental", "maternity", "mental", "vaccination", "permit"]


def payloads(conversation: Conversation) -> list[str]:
    assert conversation.last is not None
    return [b.payload for r in conversation.last.replies for b in r.buttons]


@pytest.mark.parametrize(
    ("locale", "language", "faq_words", "card_text"),
    [
        ("en", "en", "paediatric", "My child has had a fever since ____. Temperature: ____ °C."),
        ("ru", "ru", "педиатр", "У ребёнка температура с ____. Сейчас ____ °C."),
        ("ko", "ko", "소아", "아이가 ____부터 열이 나요. 체온은 ____도예요."),
    ],
)
async def test_medical_guide_in_three_languages(
    conversation: Conversation, locale: str, language: str, faq_words: str, card_text: str
) -> None:
    await conversation.tap(f"lang:set:{locale}")
    await conversation.say("/medical")
    assert payloads(conversation) == ["medical:emergency", "medical:need"]
    await conversation.tap("medical:need")
    assert payloads(conversation) == [f"medical:need:{n}" for n in NEEDS]
    await conversation.tap("medical:need:children")
    offered = payloads(conversation)
    assert offered[0] == f"medical:lang:children:{language}"  # the resident's language first
    assert len(offered) == 8

    await conversation.tap(offered[0])
    replies = conversation.last.replies  # type: ignore[union-attr]
    assert faq_words in replies[0].text.lower()  # the FAQ answer, in the resident's locale
    listing = replies[1].text
    assert "上海市儿童医院" in listing and "Shanghai Children's Hospital" in listing
    assert "Dentist" not in listing and "第九人民医院" not in listing  # only this need
    assert (
        listing.count(unverified_note(conversation.locale)) == listing.count("\n*") == 4
    )  # all unverified
    assert payloads(conversation) == [
        "medical:cards:children",
        "book:start:medical",
        "medical:start",
        "menu:main",
    ]

    await conversation.tap("medical:cards:children")
    cards = "\n".join(r.text for r in conversation.last.replies)  # type: ignore[union-attr]
    assert card_text in cards and "我的孩子从____开始发烧，体温____°C。" in cards
    assert cards.index("体温") < cards.index("挂号处")  # the need's cards before general ones
    # One reply; WeChat's renderer splits it into texts of at most 2,048 bytes.
    pieces = render_texts(conversation.last.replies)  # type: ignore[union-attr]
    assert all(len(p.encode()) <= 2048 for p in pieces)
    assert "".join(pieces).count("挂号处") == cards.count("挂号处")  # nothing lost
    assert "book:start:medical" in payloads(conversation)


async def test_language_nobody_speaks_is_said_honestly(conversation: Conversation) -> None:
    await conversation.tap("medical:lang:dental:es")
    text = conversation.text()
    assert "no place for this need where staff are known to speak Spanish" in text
    assert "第九人民医院" in text


async def test_bad_payloads_are_expired_buttons(conversation: Conversation) -> None:
    for forged in ("medical:lang:surgery:en", "medical:need:surgery", "medical:cards:x"):
        await conversation.tap(forged)
        assert "no longer valid" in conversation.text()


async def test_emergency_button_gives_the_guard_answer_and_is_counted(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    from bot.store.activity import EMERGENCY_GUARD, ActivityStore

    await conversation.say("/medical")
    await conversation.tap("medical:emergency")
    assert "120" in conversation.last.replies[0].text  # type: ignore[union-attr]
    assert "请派救护车到" in conversation.text()
    assert await ActivityStore(dispatcher.services.db).count(EMERGENCY_GUARD) == 1


async def test_menu_buttons_reach_both_guides(conversation: Conversation) -> None:
    await conversation.tap("school:start")
    assert "School enrolment guide" in conversation.text()
    await conversation.tap("medical:start")
    assert payloads(conversation) == ["medical:emergency", "medical:need"]


def unverified_note(locale: str) -> str:
    """The translated "please confirm" line shown under every unverified entry."""
    with use_locale(locale):
        return _("⚠️ Not yet checked by our staff: please confirm before you go.")


async def test_vaccination_lists_childhood_vaccines_apart_from_travel_and_permit_checks(
    conversation: Conversation,
) -> None:
    await conversation.tap("medical:lang:vaccination:en")
    text = conversation.text()
    assert "Community Health Service Center" in text
    assert "International Travel Healthcare Center" not in text
    await conversation.tap("medical:lang:permit:en")
    assert "International Travel Healthcare Center" in conversation.text()


async def test_answers_promise_only_the_languages_the_directory_knows(
    conversation: Conversation,
) -> None:
    await conversation.tap("lang:set:ja")
    # The FAQ answer (inside the medical guide its "type /medical" sentence is dropped).
    await conversation.tap("faq:show:medical.dental")
    answer = conversation.last.replies[0].text  # type: ignore[union-attr]
    assert "中国語、英語" in answer  # what /medical can find, named in Japanese
    assert "ご自分の言語で受診" not in answer
