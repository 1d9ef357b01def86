"""The FAQ in chat, end to end through the conversation harness, on both databases."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.core.dispatcher import Dispatcher
from bot.knowledge.retrieval import DID_YOU_MEAN, Candidate, Decision
from bot.store.handoff.hours import StaffedHours
from bot.store.tables import Feedback
from tests.harness import Conversation


def _payloads(conversation: Conversation) -> list[str]:
    assert conversation.last is not None
    return [b.payload for r in conversation.last.replies for b in r.buttons]


async def test_confident_answer_has_related_action_and_feedback(
    conversation: Conversation,
) -> None:
    await conversation.say("what grade should my 7 year old be in?")
    payloads = _payloads(conversation)
    assert "31 August" in conversation.text()
    assert "faq:show:school.public-application" in payloads
    assert "school:start" in payloads
    assert payloads[-2:] == ["faq:fb:school.age-and-grade:1", "faq:fb:school.age-and-grade:0"]
    assert all(len(p.encode()) <= 64 for p in payloads)


async def test_related_button_shows_that_answer(conversation: Conversation) -> None:
    await conversation.say("what grade should my 7 year old be in?")
    await conversation.tap("faq:show:school.documents")
    assert "faq:fb:school.documents:1" in _payloads(conversation)


async def test_korean_question_answered_in_korean(conversation: Conversation) -> None:
    await conversation.say("아이 학교 입학할 때 어떤 서류가 필요해요?")
    assert any("\uac00" <= ch <= "\ud7af" for ch in conversation.text())
    assert "faq:fb:school.documents:1" in _payloads(conversation)


async def test_user_locale_is_used_for_the_answer(conversation: Conversation) -> None:
    await conversation.tap("lang:set:de")
    await conversation.say("where can my child get vaccinated")
    assert conversation.locale == "de"
    assert "faq:fb:medical.child-vaccinations:1" in _payloads(conversation)
    assert "Impf" in conversation.text()


async def test_not_covered_is_honest_and_not_recorded(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    await conversation.say("my dog needs a rabies vaccine, where do I go?")
    assert "outside what I cover" in conversation.text()
    assert "book:start" in _payloads(conversation)
    assert not any(p.startswith("faq:fb:") for p in _payloads(conversation))
    assert await dispatcher.services.questions.unanswered() == []


async def test_no_match_offers_consultation_and_records_question(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    await conversation.say("qwzx plorf vrrmb 9931")
    assert "book:start" in _payloads(conversation)
    assert "passed your question on" in conversation.text()
    rows = await dispatcher.services.questions.unanswered()
    assert [r.text for r in rows] == ["qwzx plorf vrrmb 9931"]
    assert rows[0].locale == "en"
    assert rows[0].candidates and {"faq_id", "score"} <= set(rows[0].candidates[0])


def _close_call(dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every question a close call between two medical topics."""
    kb = dispatcher.services.knowledge
    assert kb is not None
    choices = tuple(
        e
        for e in (kb.entry("medical.interpreter"), kb.entry("medical.english-speaking-doctor"))
        if e is not None
    )
    close = Decision(
        DID_YOU_MEAN,
        0.8,
        0.4,
        choices=choices,
        candidates=(Candidate("medical.interpreter", 0.8, "topic"),),
    )
    monkeypatch.setattr(kb, "decide", lambda text, previous=None, query=None, found=None: close)


async def test_did_you_mean_offers_choices_and_a_person(
    conversation: Conversation, dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    _close_call(dispatcher, monkeypatch)
    await conversation.say("doctor language help")
    assert "Did you mean" in conversation.text()
    [offer] = await dispatcher.services.questions.unanswered()
    assert (offer.text, offer.outcome, offer.chosen) == ("doctor language help", DID_YOU_MEAN, None)
    assert _payloads(conversation) == [
        f"faq:pick:{offer.id}:medical.interpreter",
        f"faq:pick:{offer.id}:medical.english-speaking-doctor",
        f"faq:none:{offer.id}",
    ]
    assert conversation.last is not None
    assert conversation.last.replies[0].buttons[-1].label == "None of these: ask a person"
    await conversation.tap(f"faq:pick:{offer.id}:medical.interpreter")
    assert "faq:fb:medical.interpreter:1" in _payloads(conversation)
    [offer] = await dispatcher.services.questions.unanswered()
    assert offer.chosen == "medical.interpreter" and offer.chosen_at is not None


async def test_none_of_these_is_recorded_and_offers_a_person(
    conversation: Conversation, dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    _close_call(dispatcher, monkeypatch)
    await conversation.say("doctor language help")
    [offer] = await dispatcher.services.questions.unanswered()
    await conversation.tap(f"faq:none:{offer.id}")
    assert "passed your question on" in conversation.text()
    assert _payloads(conversation) == ["book:start"]
    [offer] = await dispatcher.services.questions.unanswered()
    assert offer.chosen == "none"


async def test_a_choice_lands_only_on_the_residents_own_offer(
    conversation: Conversation, dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    _close_call(dispatcher, monkeypatch)
    other = await dispatcher.services.questions.record_unanswered(
        user_id=None, channel="web", text="someone else's", locale="en", outcome=DID_YOU_MEAN
    )
    await conversation.tap(f"faq:pick:{other}:medical.interpreter")
    assert "faq:fb:medical.interpreter:1" in _payloads(conversation)  # still answered
    rows = await dispatcher.services.questions.unanswered()
    assert [(r.text, r.chosen) for r in rows] == [("someone else's", None)]


async def test_feedback_is_stored(conversation: Conversation, dispatcher: Dispatcher) -> None:
    await conversation.say("what grade should my 7 year old be in?")
    await conversation.tap("faq:fb:school.age-and-grade:1")
    assert "Thank you" in conversation.text()
    await conversation.tap("faq:fb:school.age-and-grade:0")
    assert "book:start" in _payloads(conversation)
    async with dispatcher.services.db.session() as session:
        rows = list((await session.execute(select(Feedback))).scalars())
    # One vote per resident per answer: the second replaced the first.
    assert [(r.topic, r.helpful) for r in rows] == [("school.age-and-grade", False)]


async def test_unknown_topic_button(conversation: Conversation) -> None:
    await conversation.tap("faq:show:no.such-topic")
    assert "no longer available" in conversation.text()
    await conversation.tap("faq:fb:school.age-and-grade:7")
    assert "no longer valid" in conversation.text()


async def test_asking_for_a_person_outside_staffed_hours_offers_a_message_or_a_booking(
    conversation: Conversation, dispatcher: Dispatcher
) -> None:
    """The about.human answer, then the handoff (#18): outside staffed hours, leave a message
    for staff or book a consultation (tests/handoff/ covers the staffed path)."""
    dispatcher.services.staffed = StaffedHours({})  # never staffed
    replies = await conversation.say("I want to talk to someone")
    assert len(replies) == 2
    assert [b.payload for b in replies[1].buttons] == ["handoff:leave", "book:start"]
    user = await dispatcher.services.users.get(conversation.user)
    assert user is not None and user.id is not None
    assert await dispatcher.services.handoff.live_for(user.id) is None  # nothing left yet
