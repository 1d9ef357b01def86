"""The emergency guard: on every text message, before anything else, in every flow step.

The detector (bot/guided/emergency/) reads the message with the sentence vectors the FAQ
shares — one encoding per message, waited for at most EMBED_WAIT seconds (the model may
still be loading just after a start; the phrase list then decides alone). It fires (the
reply, alone), asks ("Is someone in danger right now?" in front of whatever answers the
message, so an ordinary question still gets its answer) or stays silent. Each firing and
each question is counted in the activity log with the kind and the signal — never the
resident's text.
"""

from __future__ import annotations

import asyncio
import logging

from bot.core.observe import EMERGENCY, signals
from bot.core.router import Router
from bot.core.types import Incoming, Reply
from bot.guided.emergency import EmergencyDetector, Verdict, default_matcher
from bot.guided.smalltalk import recognise
from bot.handlers.emergency.payloads import Answer, NotEmergency
from bot.handlers.emergency.reply import ask_reply, calm_reply, emergency_reply
from bot.handlers.handoff import staff_group
from bot.knowledge.embedding import QueryVectors
from bot.knowledge.query import reading_window
from bot.services import Ctx
from bot.store.activity import EMERGENCY_ASK, EMERGENCY_DECLINED, EMERGENCY_GUARD, ActivityStore

log = logging.getLogger(__name__)
router = Router("emergency")

EMBED_WAIT = 1.5  # seconds; the FAQ keeps using the vectors whenever they arrive


@router.urgent
async def emergency_guard(incoming: Incoming, ctx: Ctx) -> list[Reply] | None:
    if incoming.command is not None and not incoming.command_args:
        return None  # a bare command reports nothing
    if staff_group.in_staff_group(ctx.services, incoming):
        return None  # staff writing among themselves or to a resident, not an emergency
    verdict = await assess(ctx, incoming.text or "")
    if verdict.action == "ask" and recognise(incoming.text or "") is not None:
        return None  # "are you a bot?", "bye": small talk the phrase list knows is no alarm
    if verdict.action == "ask":
        ctx.preface.append(ask_reply(ctx, verdict.kind))
        await record(ctx, EMERGENCY_ASK, verdict.kind, verdict.signal)
        return None
    if not verdict.fires:
        return None
    await record(ctx, EMERGENCY_GUARD, verdict.kind, verdict.signal)
    reply = emergency_reply(ctx, verdict.kind)
    await alert_staff(ctx, incoming.text or "", reply.text)
    return [reply]


async def assess(ctx: Ctx, text: str) -> Verdict:
    """The detector's verdict, with the shared vectors when they come in time."""
    detector = ctx.services.emergency or _phrases_only()
    query: QueryVectors | None = None
    knowledge = ctx.services.knowledge
    if detector.semantic is not None and knowledge is not None:
        try:
            # The window retrieval reads: its vectors are the ones the FAQ computed already.
            window = reading_window(text)
            query = await asyncio.wait_for(asyncio.shield(knowledge.embed(window)), EMBED_WAIT)
        except TimeoutError:
            log.warning("emergency guard: no sentence vectors within %.1f s", EMBED_WAIT)
        except Exception:  # the guard must answer even when the encoder fails
            log.exception("emergency guard: sentence encoding failed")
    # A language Linzhu does not speak has no phrases: the semantic signal decides there.
    return detector.assess(text, query, covered=not ctx.choice.unsupported)


def _phrases_only() -> EmergencyDetector:
    return EmergencyDetector(default_matcher())


@router.payload(Answer)
async def answer(incoming: Incoming, ctx: Ctx, tap: Answer) -> list[Reply]:
    if not tap.danger:
        await record(ctx, EMERGENCY_DECLINED, tap.kind, "ask")
        return [calm_reply(ctx)]
    await record(ctx, EMERGENCY_GUARD, tap.kind, "ask")
    return [emergency_reply(ctx, tap.kind)]


@router.payload(NotEmergency)
async def not_emergency(incoming: Incoming, ctx: Ctx, tap: NotEmergency) -> list[Reply]:
    await record(ctx, EMERGENCY_DECLINED, None, "reply")
    return [calm_reply(ctx)]


async def alert_staff(ctx: Ctx, text: str, answer: str) -> None:
    """In a live conversation with staff, the message and the answer go into the transcript
    and the console flags the conversation (the bot's answer is never held back for it)."""
    try:
        live = await ctx.services.handoff.record_emergency(ctx.user_id, text, answer)
        name = getattr(ctx.user, "display_name", None)
        staff_group.announce_emergency(ctx.services, live, name, text)
    except Exception:
        log.exception("emergency guard: could not alert staff in the conversation")


async def record(ctx: Ctx, event: str, kind: str | None, signal: str) -> None:
    """Count it: the kind, the signal, the flow and the locale — never the message."""
    if event == EMERGENCY_GUARD:
        ctx.outcome = "emergency"
        signals.emit(EMERGENCY, kind=kind or "general")
    try:
        await ActivityStore(ctx.services.db).record(
            event,
            user_id=ctx.user_id,
            locale=ctx.locale,
            detail={"kind": kind or "general", "signal": signal, "flow": ctx.state.flow or ""},
        )
    except Exception:  # counting must never cost the resident the reply
        log.exception("emergency guard: could not record %s", event)
