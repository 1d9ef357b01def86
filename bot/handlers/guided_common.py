"""Pieces the school and medical guides share: how a directory entry is shown, end buttons."""

from __future__ import annotations

from bot.core.types import Button
from bot.i18n import _
from bot.i18n.format import language_name
from bot.knowledge.directory import LANGUAGES, Institution
from bot.knowledge.districts import district_name

# The directory's language codes (en, zh, ja, …), in the order the guides offer them.
LANGUAGE_CODES = LANGUAGES


def language_text(code: str, locale: str, *, capitalize: bool = False) -> str:
    """A directory language named in the resident's language ("zh" → "Chinese", "中文")."""
    return language_name(code, locale, capitalize=capitalize)


def facility_text(entry: Institution, locale: str) -> str:
    """Name in English and Chinese (to show at the desk), what is known in the resident's
    language, and "please confirm" when unverified."""
    lines = [f"*{entry.name_en}*", entry.name_zh]
    facts = []
    if entry.district:
        facts.append(district_name(entry.district, locale))
    if entry.languages:
        facts.append(", ".join(language_text(code, locale) for code in entry.languages))
    if entry.international_department:
        facts.append(_("international department"))
    if entry.direct_billing:
        facts.append(_("direct billing with some international insurers"))
    if facts:
        lines.append(" · ".join(facts))
    if note := entry.note(locale):
        lines.append(note)
    for label, value in (
        (_("Phone"), entry.phone),
        (_("Address"), entry.address),
        (_("Hours"), entry.hours),
        (_("Website"), entry.website),
    ):
        if value:
            lines.append(f"{label}: {value}")
    if not entry.verified:
        lines.append(_("⚠️ Not yet checked by our staff: please confirm before you go."))
    return "\n".join(lines)


def finish_buttons(topic: str) -> list[Button]:
    start = {"school": "school:start", "medical": "medical:start"}[topic]
    return [
        Button(_("Book a consultation"), f"book:start:{topic}"),
        Button(_("Start again"), start),
        Button(_("Main menu"), "menu:main"),
    ]
