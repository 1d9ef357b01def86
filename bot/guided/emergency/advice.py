"""What to do while help is coming, per kind: two or three steps, in the resident's language.

Only standard first aid that every first-aid course teaches (cough or back blows for
choking, CPR at 100–120 a minute, pressure on a wound, cool running water for 20 minutes
on a burn, the recovery position, nothing in the mouth during a seizure…). Anything a
reviewer might question — a medicine and its dose, a phone line other than 120, 119, 110
and 122 — is not here: it belongs in faq/emergency/extras.yaml, which shows an item only
once staff have set it to `review: ok`.
"""

from __future__ import annotations

from bot.i18n import lazy_gettext

# The numbers' services, as the reply names them.
SERVICE_NAMES = {
    "120": lazy_gettext("ambulance"),
    "119": lazy_gettext("fire brigade"),
    "110": lazy_gettext("police"),
    "122": lazy_gettext("traffic police"),
}

_CPR = lazy_gettext(
    "If they stop responding and are not breathing normally, start CPR: push hard and fast "
    "in the centre of the chest, 100–120 times a minute. Put the phone on speaker: the "
    "dispatcher can guide you."
)

STEPS = {
    "not_breathing": (
        lazy_gettext(
            "If they can cough, let them cough. If they cannot breathe, cough or speak: give "
            "5 firm blows between the shoulder blades, then 5 abdominal thrusts, and repeat "
            "(a baby: 5 back blows, then 5 chest pushes with two fingers)."
        ),
        _CPR,
    ),
    "unconscious": (
        lazy_gettext(
            "Check whether they are breathing normally. If they are, turn them on their side "
            "with the head tilted back, and stay with them."
        ),
        _CPR,
        lazy_gettext("Give them nothing to eat or drink."),
    ),
    "bleeding": (
        lazy_gettext(
            "Press hard on the wound with a clean cloth or your hand and keep pressing; if it "
            "soaks through, add more cloth on top."
        ),
        lazy_gettext(
            "Keep them lying down and warm. If something is stuck in the wound, leave it in "
            "and press around it."
        ),
    ),
    "seizure": (
        lazy_gettext(
            "Move hard and sharp things away and put something soft under the head. Don't "
            "hold them down and put nothing in their mouth."
        ),
        lazy_gettext("Note the time it started. When the shaking stops, turn them on their side."),
    ),
    "cardiac_stroke": (
        lazy_gettext(
            "Have them stop, sit or lie in the position they find easiest, and loosen tight "
            "clothing."
        ),
        lazy_gettext("Note the time the signs started: for a stroke, the doctors need it."),
        _CPR,
    ),
    "allergy": (
        lazy_gettext(
            "If they have an adrenaline auto-injector (EpiPen), use it now in the outer thigh."
        ),
        lazy_gettext(
            "If breathing is hard, let them sit up; if they feel faint, lay them down with the "
            "legs raised. Don't let them walk around."
        ),
    ),
    "poisoning": (
        lazy_gettext(
            "Don't make them vomit. Keep the package, bottle or plant to show the doctors."
        ),
        lazy_gettext("Chemicals on the skin or in the eyes: rinse with plenty of running water."),
        lazy_gettext("Gas or fumes: get everyone out into fresh air."),
    ),
    "burns": (
        lazy_gettext(
            "Cool the burn under cool running water for 20 minutes. No ice, butter or toothpaste."
        ),
        lazy_gettext(
            "Take off rings, watches and clothing near the burn, unless stuck to the skin; "
            "cover it loosely with cling film or a clean cloth."
        ),
    ),
    "head_injury": (
        lazy_gettext(
            "Keep them still. If they fell from a height or may have hurt their neck or back, "
            "don't move them unless they are in danger where they are."
        ),
        lazy_gettext(
            "If they vomit or become drowsy, turn them on their side keeping head and neck in "
            "line, and stay with them."
        ),
    ),
    "infant_fever": (
        lazy_gettext(
            "A baby with a high fever who is limp, not feeding, has a rash that does not fade "
            "when pressed, or is under 3 months old needs a doctor now."
        ),
        lazy_gettext(
            "Dress the baby lightly; don't wrap them up. If the baby has a fit, lay them on "
            "their side."
        ),
        lazy_gettext("Take the baby's health booklet and any medicines with you."),
    ),
    "labour": (
        lazy_gettext(
            "Help her lie on her left side or in the position she finds easiest; don't try to "
            "hold the baby back."
        ),
        lazy_gettext(
            "If the baby is born: dry it, keep it warm skin to skin on the mother, and don't "
            "pull the cord."
        ),
    ),
    "road_accident": (
        lazy_gettext(
            "Keep yourself safe: stay out of the traffic and switch on the hazard lights."
        ),
        lazy_gettext(
            "Don't move an injured person unless they are in danger where they are, and don't "
            "take off a motorcyclist's helmet. Press on any heavy bleeding."
        ),
    ),
    "fire": (
        lazy_gettext(
            "Get everyone out now and close the doors behind you. Don't use the lift; stay low "
            "under smoke."
        ),
        lazy_gettext(
            "Smell of gas: don't switch lights or anything electric on or off and make no "
            "flame; open windows if you can, leave, and call from outside."
        ),
        lazy_gettext(
            "If you cannot get out: close the door, block the gaps with wet cloth, and signal "
            "from a window."
        ),
    ),
    "violence": (
        lazy_gettext(
            "Get yourself and the children to safety: leave, or lock yourselves in a room with "
            "a phone."
        ),
        lazy_gettext("Don't confront an intruder or anyone with a weapon."),
    ),
    "missing_child": (
        lazy_gettext("Call now, don't wait."),
        lazy_gettext(
            "Tell the staff of the shop, mall, metro station or park at once: they can watch "
            "the exits and make announcements."
        ),
        lazy_gettext("Have a recent photo ready and say what the child is wearing."),
    ),
    "self_harm": (
        lazy_gettext("Stay with the person; don't leave them alone."),
        lazy_gettext("If it is safe, take away pills, knives and anything else they could use."),
        lazy_gettext(
            "If they have taken something or are hurt, keep the package and tell the ambulance."
        ),
    ),
}

GENERAL_STEPS = (
    lazy_gettext(
        "Say the address first, then what happened. Put the phone on speaker and follow the "
        "dispatcher."
    ),
    lazy_gettext(
        "Ask a neighbour, the building's guard or anyone nearby who speaks Chinese to help "
        "with the call, and send someone to the gate to meet the ambulance."
    ),
)


def steps_for(kind_id: str | None) -> tuple[str, ...]:
    """The steps for a kind, translated now (the general ones when the kind is unknown)."""
    return tuple(str(step) for step in STEPS.get(kind_id or "", GENERAL_STEPS))
