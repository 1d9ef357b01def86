"""/medical: emergency first, then the need, the language, facilities and phrase cards.

Stateless: every step's choice travels in the button payload (need, language), and
nothing personal is asked, so nothing needs deleting afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.core.payloads import OneOf, Payload
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.handlers.emergency import emergency_reply, record
from bot.handlers.guided_common import (
    LANGUAGE_CODES,
    facility_text,
    finish_buttons,
    language_text,
)
from bot.i18n import _, lazy_gettext
from bot.knowledge import content
from bot.knowledge.answers import answers_for, without_pointer
from bot.knowledge.directory import LOCALE_LANGUAGE
from bot.knowledge.phrases import cards_for
from bot.services import Ctx
from bot.store.activity import EMERGENCY_GUARD

router = Router("medical")

NEEDS = {
    "gp": lazy_gettext("General practice (adults)"),
    "children": lazy_gettext("A doctor for my child"),
    "dental": lazy_gettext("Dentist"),
    "maternity": lazy_gettext("Women's health and maternity"),
    "mental": lazy_gettext("Mental health"),
    "vaccination": lazy_gettext("Vaccination"),
    "permit": lazy_gettext("Health check for a work or residence permit"),
}
Need = Annotated[str, OneOf(*NEEDS)]
Language = Annotated[str, OneOf(*LANGUAGE_CODES)]


@dataclass(frozen=True)
class MedicalStart(Payload, prefix="medical:start"):
    pass


@dataclass(frozen=True)
class Emergency(Payload, prefix="medical:emergency"):
    pass


@dataclass(frozen=True)
class ChooseNeed(Payload, prefix="medical:need"):
    need: Need | None = None


@dataclass(frozen=True)
class ChooseLanguage(Payload, prefix="medical:lang"):
    need: Need
    language: Language


@dataclass(frozen=True)
class PhraseCards(Payload, prefix="medical:cards"):
    need: Need


FAQ_FOR_NEED = {
    "gp": "medical.english-speaking-doctor",
    "children": "medical.paediatrics",
    "dental": "medical.dental",
    "maternity": "medical.maternity",
    "mental": "medical.mental-health",
    "vaccination": "medical.child-vaccinations",
    "permit": "medical.work-permit-health-check",
}


@router.command("medical")
async def medical_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return start()


@router.payload(MedicalStart)
async def medical_button(incoming: Incoming, ctx: Ctx, tap: MedicalStart) -> list[Reply]:
    return start()


def start() -> list[Reply]:
    return [
        Reply.of(
            _("*Medical help*\nFirst: is someone in danger right now?"),
            [
                Button(_("Yes, it's an emergency"), Emergency().encode()),
                Button(_("No, I'm looking for care"), ChooseNeed().encode()),
            ],
        )
    ]


@router.payload(Emergency)
async def emergency(incoming: Incoming, ctx: Ctx, tap: Emergency) -> list[Reply]:
    await record(ctx, EMERGENCY_GUARD, None, "button")
    return [emergency_reply(ctx, None)]


@router.payload(ChooseNeed)
async def need(incoming: Incoming, ctx: Ctx, tap: ChooseNeed) -> list[Reply]:
    if tap.need is not None:
        return _ask_language(ctx, tap.need)
    buttons = [Button(str(label), ChooseNeed(key).encode()) for key, label in NEEDS.items()]
    return [Reply.of(_("What kind of care do you need?"), buttons)]


def _ask_language(ctx: Ctx, need: str) -> list[Reply]:
    own = LOCALE_LANGUAGE.get(ctx.locale, "en")
    codes = [own, *(code for code in LANGUAGE_CODES if code != own)]
    buttons = [
        Button(language_text(c, ctx.locale, capitalize=True), ChooseLanguage(need, c).encode())
        for c in codes
    ]
    return [Reply.of(_("Which language would you like the doctor to speak?"), buttons)]


@router.payload(ChooseLanguage)
async def facilities(incoming: Incoming, ctx: Ctx, tap: ChooseLanguage) -> list[Reply]:
    need_key, language = tap.need, tap.language
    replies = []
    if answer := answers_for(ctx.services).answer(FAQ_FOR_NEED[need_key], ctx.locale):
        replies.append(Reply(without_pointer(answer, "/medical")))  # they are in /medical
    path = content.medical_directory_path(ctx.services.settings.faq_dir)
    found = content.directory(path, "medical").matching(need_key, language)
    speaking = [e for e in found if e.speaks(language)]
    if found:
        intro = _("Places for this need in our directory:")
        if not speaking:
            intro = _(
                "Our directory has no place for this need where staff are known to speak "
                "{language}. These places offer it; a phrase card or an interpreter can help:"
            ).format(language=language_text(language, ctx.locale))
        listing = "\n\n".join(facility_text(e, ctx.locale) for e in found[:6])
        replies.append(Reply(intro + "\n\n" + listing))
    else:
        replies.append(
            Reply(
                _("Our directory has no place for this need yet. Our staff can help you find one.")
            )
        )
    buttons = [
        Button(_("Phrase cards to show at the desk"), PhraseCards(need_key).encode()),
        *finish_buttons("medical"),
    ]
    replies.append(
        Reply.of(
            _(
                "Need someone to interpret or to come with you? Book a consultation and our "
                "staff will help."
            ),
            buttons,
        )
    )
    return replies


@router.payload(PhraseCards)
async def phrase_cards(incoming: Incoming, ctx: Ctx, tap: PhraseCards) -> list[Reply]:
    cards = content.phrases(content.medical_phrases_path(ctx.services.settings.faq_dir))
    chosen = cards_for(cards, tap.need)
    if not chosen:
        return [
            Reply.of(_("The phrase cards are not available right now."), finish_buttons("medical"))
        ]
    heading = _("Show these to the hospital staff:")
    # One reply: each channel's renderer splits it to the platform's size limit.
    cards_text = "\n\n".join([heading, *(card.render(ctx.locale) for card in chosen)])
    return [Reply(cards_text), Reply.of(_("Anything else?"), finish_buttons("medical"))]
