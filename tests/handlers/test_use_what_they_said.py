"""Answers that use what the resident said (issue 16, finding 8): a birth date in a school
question gets the child's class; events asked for in words get the list; a category named in
any language filters it; a waitlisted resident sees their position."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.types import utcnow
from bot.guided.grades import place, school_years
from bot.guided.school_text import chinese_stage
from bot.handlers.events.text import category_in
from bot.i18n.format import SHANGHAI
from tests.events.helpers import make_event
from tests.harness import Conversation, tr


def _today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


@pytest.mark.parametrize(
    ("locale", "question"),
    [
        ("ja", "息子は2019年10月15日生まれです。何年生になりますか？"),
        ("ja", "息子は2019年10月15日生まれ…何年生？"),
        ("en", "My son was born on 15 October 2019, which grade will he be in?"),
        ("zh_Hans", "我儿子2019年10月15日出生，上几年级？"),
        ("fr", "Mon fils est né le 15 octobre 2019, il sera dans quelle classe ?"),
    ],
)
async def test_a_birth_date_in_a_school_question_gets_the_grade(
    conversation: Conversation, locale: str, question: str
) -> None:
    await conversation.tap(f"lang:set:{locale}")
    replies = await conversation.say(question)
    text = "\n".join(r.text for r in replies)
    for year in school_years(_today()):
        assert chinese_stage(place(date(2019, 10, 15), year)) in text
    payloads = [b.payload for r in replies for b in r.buttons]
    assert any(p.startswith("school:year:") for p in payloads)
    assert not any(p.startswith("faq:fb:") for p in payloads), "the general FAQ answer"
    # The guide carries on from there: next steps for the chosen year.
    year = next(p for p in payloads if p.startswith("school:year:"))
    after = await conversation.tap(year)
    assert any(b.payload.startswith("school:pref:") for r in after for b in r.buttons)


async def test_a_date_read_two_ways_is_asked_about(conversation: Conversation) -> None:
    await conversation.tap("lang:set:en")
    replies = await conversation.say("my daughter was born 03/05/2019 - what grade is she in?")
    assert replies[0].text == tr("en", "Which date do you mean?")
    assert [b.payload for b in replies[0].buttons] == ["school:dob:0", "school:dob:1"]


async def test_events_asked_for_in_words_are_listed(conversation: Conversation) -> None:
    db = conversation.dispatcher.services.db
    await make_event(db, title={"en": "Job fair", "ja": "就職フェア"})
    await make_event(db, title={"en": "Family picnic", "ja": "家族ピクニック"}, category="family")
    await conversation.tap("lang:set:en")
    replies = await conversation.say("what events are coming up?")
    text = replies[0].text
    assert "Job fair" in text and "Family picnic" in text and "/events" not in text
    await conversation.tap("lang:set:ja")
    replies = await conversation.say("イベント 家族")
    text = "\n".join(r.text for r in replies)
    assert "家族ピクニック" in text and "就職フェア" not in text


@pytest.mark.parametrize(
    ("locale", "command"),
    [("de", "/events familie"), ("en", "/events family events"), ("ja", "/events 家族"),
     ("fr", "/events Famille"), ("ru", "/events семья"), ("zh_Hans", "/events 亲子")],
)  # fmt: skip
async def test_category_words_in_any_language_filter(
    conversation: Conversation, locale: str, command: str
) -> None:
    db = conversation.dispatcher.services.db
    await make_event(db, title={"en": "Job fair"})
    await make_event(db, title={"en": "Family picnic"}, category="family")
    await conversation.tap(f"lang:set:{locale}")
    text = (await conversation.say(command))[0].text
    assert "Family picnic" in text and "Job fair" not in text


async def test_an_unknown_category_is_said_not_ignored(conversation: Conversation) -> None:
    await make_event(conversation.dispatcher.services.db, title={"en": "Job fair"})
    text = (await conversation.say("/events quidditch"))[0].text
    assert "quidditch" in text and "Job fair" in text


def test_category_words() -> None:
    assert category_in("Familienveranstaltungen am Wochenende") == "family"
    assert category_in("any events this week?") is None
    assert category_in("детали мероприятия") is None  # "дет…" is not "дети"
    assert category_in("招聘会") == "jobs"


async def test_a_waitlisted_resident_sees_their_position(conversation: Conversation) -> None:
    db = conversation.dispatcher.services.db
    event_id = await make_event(db, capacity=1)
    first = Conversation(conversation.dispatcher)
    first.user = type(first.user)("web", "first")
    await first.tap(f"events:join:{event_id}")
    replies = await conversation.tap(f"events:join:{event_id}")
    text = replies[0].text
    assert tr("en", "You're on the waitlist (position {position})").format(position=1) in text
    assert tr("en", "Full: you can join the waitlist") not in text
    listed = (await conversation.say("/events"))[0].text
    assert tr("en", "Full: you can join the waitlist") not in listed
