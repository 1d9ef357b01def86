"""Free text that no flow step takes: small talk, what the resident's words already answer,
or the FAQ — deciding once per message.

- Small talk ("ok", "merci", "多謝") gets a friendly reply (smalltalk.py), never the FAQ.
- A school-age question that gives a birth date ("息子は2019年10月15日生まれ…何年生？") gets the
  child's class at once (schooling.py), not the general age table.
- "What events are coming up?" in words gets the list itself, filtered when a category is
  named in any language ("family events", "イベント 家族"), not "send /events".
- Everything else gets the FAQ's answer (faq.py).
"""

from __future__ import annotations

from collections.abc import Collection

from bot.core.router import Router
from bot.core.types import Incoming, Reply
from bot.handlers import faq, schooling
from bot.handlers.events import browse
from bot.handlers.events import text as event_text
from bot.handlers.smalltalk import small_talk
from bot.knowledge.retrieval import ANSWER, DID_YOU_MEAN, Decision
from bot.services import Ctx

router = Router("free_text")

# FAQ topics whose question a child's birth date answers directly.
GRADE_TOPICS = frozenset(
    {"school.age-and-grade", "school.kindergarten", "school.public-eligibility", "school.transfer"}
)
# FAQ topics that ask for the event list: "what's on?" gets the list instead of the answer
# (which says "send /events"); family programmes get their answer and the family events.
EVENT_LIST_TOPICS = {"events.upcoming": None, "events.family-programmes": "family"}


@router.text
async def free_text(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    in_guide = ctx.state.flow == schooling.FLOW
    replies = small_talk(
        incoming, ctx, (lambda: schooling.resume(incoming, ctx)) if in_guide else None
    )
    if replies is not None:
        return replies
    decision = await faq.decide(incoming, ctx)
    if _about(decision, GRADE_TOPICS) and ctx.state.flow is None:
        birth = schooling.birth_date_in(incoming, ctx)
        if birth is not None:
            return await schooling.grade_from_question(incoming, ctx, birth)
    topic = _about(decision, EVENT_LIST_TOPICS)
    if topic is not None and decision is not None and decision.outcome == ANSWER:
        category = event_text.category_in(incoming.text or "") or EVENT_LIST_TOPICS[topic]
        listing = await browse.event_list(ctx, category, 0)
        if EVENT_LIST_TOPICS[topic] is None:
            if ctx.state.flow is None:
                ctx.state.last_topic = topic
            return listing
        return [*await faq.respond(incoming, ctx, decision), *listing]
    return await faq.respond(incoming, ctx, decision)


def _about(decision: Decision | None, topics: Collection[str]) -> str | None:
    """The topic among `topics` the FAQ answered (or offered first), else None."""
    if decision is None:
        return None
    if decision.outcome == ANSWER and decision.entry is not None:
        found = decision.entry.id
    elif decision.outcome == DID_YOU_MEAN and decision.choices:
        found = decision.choices[0].id
    else:
        return None
    return found if found in topics else None
