"""The emergency guard: runs before routing on every text message, whatever the flow.

A curated phrase list (bot/guided/emergency.yaml, all nine locales; no retrieval, no
model) decides; the answer gives the numbers first, then what to say, then a card in
Chinese to show or read out. Each firing is counted in the activity log (the phrase
that fired and the locale — never the resident's message).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.payloads import Payload
from bot.core.router import Router
from bot.core.state import FlowData
from bot.core.types import Button, Incoming, Reply
from bot.guided.emergency import default_matcher
from bot.i18n import _
from bot.knowledge.answers import answers_for
from bot.services import Ctx
from bot.store.activity import EMERGENCY_GUARD, ActivityStore

router = Router("emergency")


@dataclass(frozen=True)
class AddressCard(Payload, prefix="emergency:address"):
    pass


@dataclass
class AddressStep(FlowData, flow="emergency"):
    """The resident is typing the address for the card (nothing else is kept)."""


FLOW = AddressStep.flow
# What the resident shows or reads out; Chinese on purpose, not translated.
CARD_ADDRESS_BLANK = "＿＿＿＿区＿＿＿＿路＿＿＿号\n＿＿＿＿小区 ＿＿号楼 ＿＿＿室"
CARD = (
    "🚑 *请派救护车到：*\n"
    "{address}\n"
    "病人情况：＿＿＿＿＿＿\n"
    "我的电话：＿＿＿＿＿＿\n"
    "我不会说中文，请帮帮我，谢谢！\n"
    "(qǐng pài jiùhùchē dào …)"
)


@router.guard
async def emergency_guard(incoming: Incoming, ctx: Ctx) -> list[Reply] | None:
    if ctx.state.flow == FLOW:
        return None  # the resident is typing their address for the card
    detection = default_matcher().detect(incoming.text or "")
    if detection is None:
        return None
    await record_firing(ctx, via="text", term=detection.term, term_locale=detection.locale)
    return emergency_replies(ctx)


async def record_firing(ctx: Ctx, *, via: str, **detail: str) -> None:
    await ActivityStore(ctx.services.db).record(
        EMERGENCY_GUARD,
        user_id=ctx.user_id,
        locale=ctx.locale,
        detail={"via": via, "flow": ctx.state.flow or "", **detail},
    )


def emergency_replies(ctx: Ctx) -> list[Reply]:
    """Numbers first, then what to say, then the Chinese card with its buttons."""
    numbers = _(
        "🚑 *If this is an emergency, call 120 now* for an ambulance.\n"
        "Police: *110* · Fire: *119*. Calls are free from any phone."
    )
    what_to_say = answers_for(ctx.services).answer("medical.emergency", ctx.locale) or _(
        'When they answer, say: "我需要救护车" (wǒ xūyào jiùhùchē, I need an ambulance), '
        "then the address in Chinese, what happened and your phone number. Keep the line free "
        "and ask a Chinese-speaking neighbour or the compound's guard to help."
    )
    card = _("Show or read out this card (fill in the blanks):") + "\n\n"
    card += CARD.format(address=CARD_ADDRESS_BLANK)
    buttons = [
        Button(_("Put my address on the card"), AddressCard().encode()),
        Button(_("Not an emergency: medical help"), "medical:need"),
    ]
    if ctx.state.flow:
        card += "\n\n" + _("When you are safe, you can carry on where you left off.")
    return [Reply(numbers), Reply(what_to_say), Reply.of(card, buttons)]


@router.payload(AddressCard)
async def ask_address(incoming: Incoming, ctx: Ctx, tap: AddressCard) -> list[Reply]:
    ctx.state.enter(AddressStep(), "address")
    return [
        Reply(
            _(
                "Type the address where the ambulance should come, in Chinese if you can "
                "(your lease or accommodation registration shows it). I only use it to make "
                "the card and don't keep it."
            )
        )
    ]


@router.step(FLOW, "address")
async def address_card(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    address = (incoming.text or "").strip()[:300]
    ctx.state.clear()
    card = CARD.format(address=address)
    return [
        Reply(_("🚑 Call *120* now and show or read out this card:") + "\n\n" + card),
        Reply.of(_("I haven't kept your address."), [Button(_("Main menu"), "menu:main")]),
    ]
