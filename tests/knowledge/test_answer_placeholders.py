"""FAQ answers take settings and button labels through placeholders, so they cannot drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings, load_settings
from bot.handlers.faq import answer_reply
from bot.i18n import use_locale
from bot.i18n.locales import LOCALES
from bot.knowledge import labels
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_faq
from bot.knowledge.placeholders import NAMES, PLACEHOLDER, fill
from tests.paths import ROOT


def test_every_locale_of_an_answer_uses_the_same_known_placeholders() -> None:
    result = load_faq(ROOT / "faq")
    used = set()
    for entry in result.entries.values():
        english = set(PLACEHOLDER.findall(entry.answer("en")))
        used |= english
        for locale in LOCALES:
            assert set(PLACEHOLDER.findall(entry.answer(locale))) == english, (entry.id, locale)
    assert used <= NAMES
    assert {"booking_cutoff", "booking_max_upcoming", "button_sign_up"} <= used


def test_settings_values_are_filled_in_the_readers_language(knowledge: KnowledgeBase) -> None:
    settings = load_settings(
        _env_file=None, booking_cutoff_hours=3, booking_max_upcoming=4, booking_window_days=21
    )
    entry = knowledge.entry("consult.book")
    assert entry is not None
    english = answer_reply(entry, "en", knowledge, settings).text
    assert "*3 hours* before it starts" in english
    assert "at a time: *4*" in english and "*21 days* ahead" in english
    assert "{" not in english
    russian = answer_reply(entry, "ru", knowledge, settings).text
    assert "за *3 часа* до его начала" in russian and "*24 часа*" in russian
    assert "3小时" in answer_reply(entry, "zh_Hans", knowledge, settings).text


@pytest.mark.parametrize("locale", ["ko", "de", "ja", "en"])
def test_answers_name_the_buttons_residents_really_see(
    knowledge: KnowledgeBase, locale: str
) -> None:
    settings = load_settings(_env_file=None)
    register = knowledge.entry("events.register")
    cancel = knowledge.entry("events.cancel")
    assert register is not None and cancel is not None
    with use_locale(locale):
        sign_up, confirm = str(labels.SIGN_UP), str(labels.YES_CANCEL)
        cancel_event = str(labels.CANCEL_EVENT).format(title="…")
    assert f"*{sign_up}*" in answer_reply(register, locale, knowledge, settings).text
    cancel_text = answer_reply(cancel, locale, knowledge, settings).text
    assert f"*{cancel_event}*" in cancel_text and f"*{confirm}*" in cancel_text  # confirm step


def test_loader_refuses_an_unknown_placeholder(tmp_path: Path) -> None:
    source = (ROOT / "faq" / "consultation" / "consult.book.yaml").read_text()
    folder = tmp_path / "faq" / "consultation"
    folder.mkdir(parents=True)
    broken = source.replace("{booking_cutoff}", "{booking_cutof}", 1)
    (folder / "consult.book.yaml").write_text(broken)
    problems = [str(p) for p in load_faq(tmp_path / "faq").problems]
    assert any("en: unknown placeholder {booking_cutof}" in p for p in problems), problems


def test_text_without_placeholders_is_untouched() -> None:
    assert fill("Braces {like this} stay; {Capital} too.", "en", Settings()) == (
        "Braces {like this} stay; {Capital} too."
    )
