"""Free text → the FAQ: an answer, a "did you mean", an honest "outside what I cover",
or a consultation offer with the question kept for staff."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.core.observe import FAQ_SCORE, signals
from bot.core.payloads import Id, Key, Payload
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.handlers.consultations.payloads import StartBooking
from bot.handlers.handoff import request_person
from bot.handlers.start import expired_payload
from bot.i18n import _, lazy_gettext, use_locale
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.model import FaqEntry
from bot.knowledge.placeholders import fill
from bot.knowledge.retrieval import ANSWER, DID_YOU_MEAN, NOT_COVERED, Decision
from bot.services import Ctx, Services

router = Router("faq")
MAX_LABEL = 40


@dataclass(frozen=True)
class ShowTopic(Payload, prefix="faq:show"):
    topic: Key


@dataclass(frozen=True)
class PickSuggestion(Payload, prefix="faq:pick"):
    """A topic tapped on a "did you mean"; `question` is the kept question's id."""

    question: Id
    topic: Key


@dataclass(frozen=True)
class NoneOfThese(Payload, prefix="faq:none"):
    """ "None of these" on a "did you mean": the resident wants a person."""

    question: Id


@dataclass(frozen=True)
class Vote(Payload, prefix="faq:fb"):
    topic: Key
    helpful: bool


ACTION_LABELS = {
    "book_consultation": lazy_gettext("Book a consultation"),
    "school_flow": lazy_gettext("School enrolment guide"),
    "medical_flow": lazy_gettext("Find medical help"),
    "list_events": lazy_gettext("Upcoming events"),
    "my_events": lazy_gettext("My events"),
    "my_bookings": lazy_gettext("My consultations"),
    "language": lazy_gettext("Change language"),
    "privacy": lazy_gettext("What I store about you"),
    "human": lazy_gettext("Talk to a person"),
}


@router.prepare
async def prepare_question(text: str, services: Services) -> None:
    """Encode (micro-batched with other messages) and score the question off the loop
    before the message waits for its user and the database, which it then holds briefly."""
    kb = services.knowledge
    if kb is not None:
        await kb.prepare(text)  # (the encoders read a long message's window)


# The metrics' names for a decision (bot/core/observe.py); "no match" counts as not covered.
OUTCOMES = {ANSWER: "answered", DID_YOU_MEAN: "did_you_mean", NOT_COVERED: "not_covered"}


# Free text reaches the FAQ through bot/handlers/free_text.py, which decides once (decide) and
# either answers from what the resident said or hands the decision back here (respond).


async def decide(incoming: Incoming, ctx: Ctx) -> Decision | None:
    """What the FAQ would do with this message (None without a knowledge base)."""
    text = incoming.text or ""
    kb = ctx.services.knowledge
    previous = ctx.state.last_topic if ctx.state.flow is None else None
    return await kb.adecide(text, previous) if kb is not None else None


async def respond(incoming: Incoming, ctx: Ctx, decision: Decision | None) -> list[Reply]:
    """The FAQ's reply to a decision; an unanswered question is kept for staff."""
    kb = ctx.services.knowledge
    locale = ctx.locale  # the dispatcher already chose it from the message and the user
    question_id = None
    ctx.outcome = OUTCOMES.get(decision.outcome, "not_covered") if decision else "not_covered"
    if decision is not None:
        signals.emit(FAQ_SCORE, decision.score)
    if decision is None or decision.outcome not in (ANSWER, NOT_COVERED):
        # Kept for staff; a "did you mean" also records which topic the resident taps.
        question_id = await _record_unanswered(incoming, ctx, locale, decision)
    topic = decision.entry if decision is not None else None
    if topic is not None and topic.is_topic and ctx.state.flow is None:
        ctx.state.last_topic = topic.id
    replies = [decision_reply(decision, locale, kb, question_id, ctx.services.settings)]
    if decision is not None and decision.outcome == ANSWER and topic and topic.action == "human":
        # "I want to talk to someone": the answer, and a person at once (or when staff are in).
        replies.extend(await request_person(incoming, ctx))
    return replies


@router.payload(ShowTopic)
async def show(incoming: Incoming, ctx: Ctx, tap: ShowTopic) -> list[Reply]:
    kb = ctx.services.knowledge
    entry = kb.entry(tap.topic) if kb else None
    if entry is None:
        return [Reply(_("That topic is no longer available. Please ask your question again."))]
    if entry.is_topic and ctx.state.flow is None:
        ctx.state.last_topic = entry.id
    return [answer_reply(entry, ctx.locale, kb, ctx.services.settings)]


@router.payload(PickSuggestion)
async def pick_suggestion(incoming: Incoming, ctx: Ctx, tap: PickSuggestion) -> list[Reply]:
    await ctx.services.questions.record_choice(tap.question, user_id=ctx.user_id, chosen=tap.topic)
    return await show(incoming, ctx, ShowTopic(tap.topic))


@router.payload(NoneOfThese)
async def none_of_these(incoming: Incoming, ctx: Ctx, tap: NoneOfThese) -> list[Reply]:
    await ctx.services.questions.record_choice(tap.question, user_id=ctx.user_id, chosen="none")
    return [
        Reply.of(
            _(
                "Thank you. I've passed your question on to the centre's staff, so it gets a "
                "better answer. You can also talk to a person in a consultation."
            ),
            [Button(str(ACTION_LABELS["human"]), StartBooking().encode())],
        )
    ]


@router.payload(Vote)
async def feedback(incoming: Incoming, ctx: Ctx, tap: Vote) -> list[Reply]:
    """A 👍/👎 on an answer that exists; voting again replaces the resident's earlier vote."""
    kb = ctx.services.knowledge
    entry = kb.entry(tap.topic) if kb else None
    if entry is None or not entry.is_topic:
        return await expired_payload(incoming, ctx)
    await ctx.services.questions.record_feedback(
        user_id=ctx.user_id, topic=tap.topic, helpful=tap.helpful, locale=ctx.locale
    )
    if tap.helpful:
        return [Reply(_("Thank you for your feedback!"))]
    return [
        Reply.of(
            _(
                "Thank you, and sorry that did not help. You can ask again in other words, "
                "or talk to our staff in a consultation."
            ),
            [Button(_("Book a consultation"), StartBooking().encode())],
        )
    ]


def decision_reply(
    decision: Decision | None,
    locale: str,
    kb: KnowledgeBase | None,
    question_id: int | None = None,
    settings: Settings | None = None,
) -> Reply:
    """What the resident sees for a decision (also printed by `linzhu ask`). With the kept
    question's id, a "did you mean" records the resident's tap and offers a person."""
    entry = decision.entry if decision is not None else None
    if decision is not None and entry is not None and decision.outcome in (ANSWER, NOT_COVERED):
        return answer_reply(entry, locale, kb, settings)
    with use_locale(locale):
        if decision is not None and decision.outcome == DID_YOU_MEAN:
            return _did_you_mean(decision, locale, question_id)
        return Reply.of(
            _(
                "Sorry, I don't have an answer to that. I've passed your question on to "
                "the centre's staff. You can also talk to them in a consultation, or call "
                "the citizen service hotline 12345 (foreign-language service)."
            ),
            [Button(_("Book a consultation"), StartBooking().encode())],
        )


def _did_you_mean(decision: Decision, locale: str, question_id: int | None) -> Reply:
    """The closest topics (at most three) as buttons, then "none of these → a person"."""
    buttons = [
        Button(
            _label(e.question(locale)),
            (PickSuggestion(question_id, e.id) if question_id else ShowTopic(e.id)).encode(),
        )
        for e in decision.choices[:3]
    ]
    none = NoneOfThese(question_id).encode() if question_id else StartBooking().encode()
    buttons.append(Button(_("None of these: ask a person"), none))
    return Reply.of(_("Did you mean…"), buttons)


def answer_reply(
    entry: FaqEntry, locale: str, kb: KnowledgeBase | None, settings: Settings | None = None
) -> Reply:
    """The answer (placeholders filled) with follow-up topics, the entry's action and 👍/👎."""
    with use_locale(locale):
        text = fill(entry.answer(locale), locale, settings)
        if not entry.has_locale(locale):
            text = _("(This answer is not translated into your language yet.)") + "\n\n" + text
        buttons: list[Button] = []
        for related_id in entry.related[:3]:
            related = kb.entry(related_id) if kb else None
            if related is not None:
                buttons.append(
                    Button(_label(related.question(locale)), ShowTopic(related.id).encode())
                )
        if entry.action and entry.action_payload:
            buttons.append(Button(str(ACTION_LABELS[entry.action]), entry.action_payload))
        if entry.is_topic:
            buttons.append(Button("👍", Vote(entry.id, True).encode()))
            buttons.append(Button("👎", Vote(entry.id, False).encode()))
    return Reply.of(text, buttons)


async def _record_unanswered(
    incoming: Incoming, ctx: Ctx, locale: str, decision: Decision | None
) -> int | None:
    offer = decision is not None and decision.outcome == DID_YOU_MEAN
    if decision is not None and offer:
        candidates = [{"faq_id": e.id, "offered": True} for e in decision.choices[:3]]
    else:
        found = decision.candidates if decision is not None else ()
        candidates = [{"faq_id": c.faq_id, "score": c.score} for c in found[:3]]
    return await ctx.services.questions.record_unanswered(
        user_id=ctx.user_id,
        channel=incoming.user.channel,
        text=incoming.text or "",
        locale=locale,
        candidates=candidates,
        outcome=DID_YOU_MEAN if offer else "no_match",
    )


def _label(question: str) -> str:
    return question if len(question) <= MAX_LABEL else question[: MAX_LABEL - 1].rstrip() + "…"
