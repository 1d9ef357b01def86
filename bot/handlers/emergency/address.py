"""Putting the resident's address on the card, without losing the flow they were in.

The address step takes text in any language (`free_input`): a Chinese address neither
switches the conversation to Chinese nor ends anything. The flow the resident was in is
kept in the step's state and put back once the card is made; the address itself is used
for the card and not kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.core.router import Router
from bot.core.state import FlowData, FlowState
from bot.core.types import Incoming, Reply
from bot.guided.emergency.kinds import GENERAL
from bot.handlers.emergency.payloads import AddressCard
from bot.handlers.emergency.reply import address_prompt, emergency_reply
from bot.services import Ctx

router = Router("emergency-address")
MAX_ADDRESS = 300


@dataclass
class AddressStep(FlowData, flow="emergency"):
    """The resident is typing the address for the card; the interrupted flow waits here."""

    kind: str = GENERAL.id
    resume_flow: str | None = None
    resume_step: str | None = None
    resume_data: dict[str, Any] = field(default_factory=dict)


FLOW = AddressStep.flow


@router.payload(AddressCard)
async def ask_address(incoming: Incoming, ctx: Ctx, tap: AddressCard) -> list[Reply]:
    waiting = AddressStep.of(ctx.state)
    if waiting is not None:  # asked twice: the interrupted flow is already kept
        waiting.kind = tap.kind
        ctx.state.enter(waiting, "address")
    else:
        state = ctx.state
        ctx.state.enter(AddressStep(tap.kind, state.flow, state.step, dict(state.data)), "address")
    return [address_prompt(ctx)]


@router.step(FLOW, "address", free_input=True)
async def address_card(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    step = AddressStep.of(ctx.state) or AddressStep()
    address = (incoming.text or "").strip()[:MAX_ADDRESS]
    resume(ctx.state, step)
    return [emergency_reply(ctx, step.kind, address=address)]


def resume(state: FlowState, step: AddressStep) -> None:
    """Put back the flow the emergency interrupted (or none)."""
    state.flow, state.step, state.data = step.resume_flow, step.resume_step, step.resume_data
