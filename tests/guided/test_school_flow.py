"""The school guide end to end through the conversation harness, in three languages.

Catalogs are not translated yet, so these assert structure, payloads, the computed stage
and the dates as Babel formats them in the resident's locale.
"""

from datetime import date

import pytest

from bot.core.dispatcher import Dispatcher
from bot.core.types import utcnow
from bot.guided.format import format_date, format_month
from bot.i18n import _, use_locale
from tests.harness import Conversation

NEXT = utcnow().year + 1  # the school year starting next September is always offered


def payloads(conversation: Conversation) -> list[str]:
    assert conversation.last is not None
    return [b.payload for r in conversation.last.replies for b in r.buttons]


async def set_locale(conversation: Conversation, locale: str) -> None:
    await conversation.tap(f"lang:set:{locale}")
    assert conversation.locale == locale


@pytest.mark.parametrize(
    ("locale", "typed", "birth"),
    [
        ("en", "May 10, {y}", date(NEXT - 6, 5, 10)),
        ("fr", "10/05/{y}", date(NEXT - 6, 5, 10)),  # day-first in French
        ("ja", "{y}年5月10日", date(NEXT - 6, 5, 10)),
    ],
)
async def test_school_guide_in_three_languages(
    conversation: Conversation, dispatcher: Dispatcher, locale: str, typed: str, birth: date
) -> None:
    await set_locale(conversation, locale)
    await conversation.say("/school")
    assert conversation.locale == locale
    assert len(conversation.last.replies) == 2  # type: ignore[union-attr]
    assert format_date(date(2019, 5, 3), locale) in conversation.text()  # example in locale

    await conversation.say(typed.format(y=birth.year))
    assert format_date(birth, locale) in conversation.text()
    assert payloads(conversation) == [f"school:year:{NEXT - 1}", f"school:year:{NEXT}"]

    await conversation.tap(f"school:year:{NEXT}")
    text = conversation.text()
    assert format_month(date(NEXT, 9, 1), locale) in text
    assert format_date(birth, locale) in text
    assert "小学一年级" in text  # Primary grade 1, shown in Chinese for the school
    assert payloads(conversation) == [
        "school:pref:public",
        "school:pref:intl",
        "school:pref:unsure",
    ]

    await conversation.tap("school:pref:public")
    replies = conversation.last.replies  # type: ignore[union-attr]
    assert len(replies) == 3  # application steps, documents, goodbye with booking
    assert payloads(conversation) == ["book:start:school", "school:start", "menu:main"]
    if locale == "ja":
        assert "パスポート" in replies[1].text  # the documents answer in Japanese, from the FAQ
    user = await dispatcher.services.users.get(conversation.user)
    async with dispatcher.services.db.session() as session:
        state = await dispatcher.services.states.load(session, user.id)  # type: ignore[union-attr]
    assert (state.flow, state.data) == (None, {})  # the birth date is gone


async def test_ambiguous_date_asks_and_remembers_the_choice(conversation: Conversation) -> None:
    await conversation.say("/school")
    await conversation.say(f"3/5/{NEXT - 5}")
    march, may = date(NEXT - 5, 3, 5), date(NEXT - 5, 5, 3)
    labels = [b.label for b in conversation.last.replies[0].buttons]  # type: ignore[union-attr]
    assert labels == [format_date(march, "en"), format_date(may, "en")]
    await conversation.tap("school:dob:1")
    assert format_date(may, "en") in conversation.text()
    await conversation.tap(f"school:year:{NEXT}")
    assert (
        "Kindergarten, large class" in conversation.text() and "幼儿园大班" in conversation.text()
    )


async def test_platform_country_decides_the_order(conversation: Conversation) -> None:
    conversation.language_hint = "en-GB"
    await conversation.say("/school")
    await conversation.say(f"3/5/{NEXT - 8}")
    assert format_date(date(NEXT - 8, 5, 3), "en") in conversation.text()
    assert payloads(conversation)[0].startswith("school:year:")


async def test_month_only_is_enough_except_near_the_cut_off(conversation: Conversation) -> None:
    await conversation.say("/school")
    await conversation.say(f"May {NEXT - 10}")
    assert format_month(date(NEXT - 10, 5, 1), "en") in conversation.text()
    await conversation.say("/school")
    await conversation.say(f"September {NEXT - 10}")
    assert "exact date" in conversation.text()
    await conversation.say(f"1 September {NEXT - 10}")
    await conversation.tap(f"school:year:{NEXT}")
    assert "Primary grade 4" in conversation.text()  # 9 on 31 August, not 10
    assert "cut-off" in conversation.text()  # born on 1 September: the edge note


async def test_bad_input_is_explained_and_the_step_kept(conversation: Conversation) -> None:
    await conversation.say("/school")
    await conversation.say("next spring")
    assert "couldn't find a date" in conversation.text()
    await conversation.say("31/02/2019")
    assert "doesn't exist" in conversation.text()
    await conversation.say("2019")
    assert "month" in conversation.text()
    await conversation.say(f"1 January {NEXT + 1}")
    assert "future" in conversation.text()
    await conversation.say(f"1 January {NEXT - 30}")  # an adult: past school age
    await conversation.tap(f"school:year:{NEXT}")
    assert "past school age" in conversation.text()
    assert payloads(conversation) == ["book:start:school", "school:start", "menu:main"]


async def test_international_choice_lists_schools_with_please_confirm(
    conversation: Conversation,
) -> None:
    await set_locale(conversation, "ko")
    await conversation.say("/school")
    await conversation.say(f"{NEXT - 7}년 3월 2일")
    await conversation.tap(f"school:year:{NEXT}")
    assert "小学二年级" in conversation.text()
    await conversation.tap("school:pref:intl")
    listing = conversation.last.replies[-2].text  # type: ignore[union-attr]
    assert listing.index("上海韩国学校") < listing.index("上海美国学校")  # Korean speakers: first
    assert listing.count(unverified_note(conversation.locale)) == listing.count(
        "\n*"
    )  # every unverified entry


async def test_stale_buttons_restart_the_guide(conversation: Conversation) -> None:
    await conversation.tap(f"school:year:{NEXT}")
    assert "expired" in conversation.text()
    await conversation.tap("school:pref:public")
    assert "expired" in conversation.text()
    await conversation.tap("school:dob:0")
    assert "expired" in conversation.text()


def unverified_note(locale: str) -> str:
    """The translated "please confirm" line shown under every unverified entry."""
    with use_locale(locale):
        return _("⚠️ Not yet checked by our staff: please confirm before you go.")
