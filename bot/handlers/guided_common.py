"""Pieces the school and medical guides share: how a directory entry is shown, end buttons."""

from __future__ import annotations

from bot.core.types import Button
from bot.i18n import _
from bot.knowledge.directory import Institution

# Directory language codes, each named in its own language.
LANGUAGE_NAMES = {
    "en": "English", "zh": "中文", "ja": "日本語", "ko": "한국어", "fr": "Français",
    "de": "Deutsch", "es": "Español", "ru": "Русский",
}  # fmt: skip


def facility_text(entry: Institution, locale: str) -> str:
    """Name in English and Chinese, what is known, and "please confirm" when unverified."""
    lines = [f"*{entry.name_en}*", entry.name_zh]
    facts = []
    if entry.district:
        facts.append(entry.district)
    if entry.languages:
        facts.append(", ".join(LANGUAGE_NAMES[code] for code in entry.languages))
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
