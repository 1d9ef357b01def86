"""/medical: emergency first, then the need, the language, facilities and phrase cards.

Stateless: every step's choice travels in the button payload (need, language), and
nothing personal is asked, so nothing needs deleting afterwards.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.guided import content
from bot.guided.directory import LOCALE_LANGUAGE
from bot.guided.knowledge import answers_for
from bot.guided.phrases import cards_for
from bot.handlers.emergency import emergency_replies, record_firing
from bot.handlers.guided_common import LANGUAGE_NAMES, facility_text, finish_buttons
from bot.i18n import _, lazy_gettext

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
@router.payload("medical:start")
async def start(incoming: Incoming, ctx: Context) -> list[Reply]:
    return [
        Reply.of(
            _("*Medical help*\nFirst: is someone in danger right now?"),
            [
                Button(_("Yes, it's an emergency"), "medical:emergency"),
                Button(_("No, I'm looking for care"), "medical:need"),
            ],
        )
    ]


@router.payload("medical:emergency")
async def emergency(incoming: Incoming, ctx: Context) -> list[Reply]:
    await record_firing(ctx, via="medical_button")
    return emergency_replies(ctx)


@router.payload("medical:need")
async def need(incoming: Incoming, ctx: Context) -> list[Reply]:
    parts = (incoming.payload or "").split(":")
    if len(parts) == 3 and parts[2] in NEEDS:
        return _ask_language(ctx, parts[2])
    buttons = [Button(str(label), f"medical:need:{key}") for key, label in NEEDS.items()]
    return [Reply.of(_("What kind of care do you need?"), buttons)]


def _ask_language(ctx: Context, need: str) -> list[Reply]:
    own = LOCALE_LANGUAGE.get(ctx.locale, "en")
    codes = [own, *(code for code in LANGUAGE_NAMES if code != own)]
    buttons = [Button(LANGUAGE_NAMES[c], f"medical:lang:{need}:{c}") for c in codes]
    return [Reply.of(_("Which language would you like the doctor to speak?"), buttons)]


@router.payload("medical:lang")
async def facilities(incoming: Incoming, ctx: Context) -> list[Reply]:
    parts = (incoming.payload or "").split(":")
    if len(parts) != 4 or parts[2] not in NEEDS or parts[3] not in LANGUAGE_NAMES:
        return await need(Incoming(incoming.user, payload="medical:need"), ctx)
    need_key, language = parts[2], parts[3]
    replies = []
    if answer := answers_for(ctx.services).answer(FAQ_FOR_NEED[need_key], ctx.locale):
        replies.append(Reply(answer))
    path = content.medical_directory_path(ctx.services.settings.faq_dir)
    found = content.directory(path, "medical").matching(need_key, language)
    speaking = [e for e in found if e.speaks(language)]
    if found:
        intro = _("Places for this need in our directory:")
        if not speaking:
            intro = _(
                "Our directory has no place for this need where staff are known to speak "
                "{language}. These places offer it; a phrase card or an interpreter can help:"
            ).format(language=LANGUAGE_NAMES[language])
        listing = "\n\n".join(facility_text(e, ctx.locale) for e in found[:6])
        replies.append(Reply(intro + "\n\n" + listing))
    else:
        replies.append(
            Reply(
                _("Our directory has no place for this need yet. Our staff can help you find one.")
            )
        )
    buttons = [
        Button(_("Phrase cards to show at the desk"), f"medical:cards:{need_key}"),
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


@router.payload("medical:cards")
async def phrase_cards(incoming: Incoming, ctx: Context) -> list[Reply]:
    topic = (incoming.payload or "").split(":")[-1]
    cards = content.phrases(content.medical_phrases_path(ctx.services.settings.faq_dir))
    chosen = cards_for(cards, topic if topic in NEEDS else "general")
    if not chosen:
        return [
            Reply.of(_("The phrase cards are not available right now."), finish_buttons("medical"))
        ]
    heading = _("Show these to the hospital staff:")
    rendered = [card.render(ctx.locale) for card in chosen]
    # Chat platforms cap a message's length (WeChat: 2,048 bytes), so send a few at a time.
    chunks = [rendered[i : i + 6] for i in range(0, len(rendered), 6)]
    replies = [Reply("\n\n".join(chunk)) for chunk in chunks]
    replies[0] = Reply(heading + "\n\n" + replies[0].text)
    replies.append(Reply.of(_("Anything else?"), finish_buttons("medical")))
    return replies
