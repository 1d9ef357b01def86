"""Guide texts that do not contradict themselves (issue 16, finding 9): inside the school guide
nothing says "type /school to start the guide", inside the medical guide nothing sends the
resident to /medical, and the international-school path lists schools without saying it
names none."""

from __future__ import annotations

import pytest

from bot.handlers.medical import NEEDS
from bot.i18n import LOCALES
from bot.knowledge.answers import without_pointer
from tests.harness import Conversation

PREFERENCES = ("public", "intl", "unsure")


def _texts(chat: Conversation) -> str:
    assert chat.last is not None
    return "\n".join(r.text for r in chat.last.replies)


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize("locale", LOCALES)
async def test_the_school_guide_never_points_to_itself(
    conversation: Conversation, locale: str
) -> None:
    chat = conversation
    await chat.tap(f"lang:set:{locale}")
    for preference in PREFERENCES:
        await chat.say("/school")
        await chat.say("2019-05-03")
        year = next(b.payload for b in chat.last.replies[0].buttons)  # type: ignore[union-attr]
        await chat.tap(year)
        await chat.tap(f"school:pref:{preference}")
        text = _texts(chat)
        assert "/school" not in text, f"{locale} {preference}: {text}"
        if preference == "intl":
            assert "Shanghai American School" in text  # the directory's schools are listed
            assert "name or rank" not in text


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize("locale", LOCALES)
async def test_the_medical_guide_never_points_to_itself(
    conversation: Conversation, locale: str
) -> None:
    chat = conversation
    await chat.tap(f"lang:set:{locale}")
    for need in NEEDS:
        await chat.tap(f"medical:lang:{need}:en")
        assert "/medical" not in _texts(chat), f"{locale} {need}"


def test_only_the_pointing_sentence_goes() -> None:
    answer = (
        "Our staff help foreign families one to one. Type /book for a consultation, or "
        "/school to check the grade first.\n\n👉 Type /school to start.\n\nBring the passport."
    )
    assert without_pointer(answer, "/school") == (
        "Our staff help foreign families one to one.\n\nBring the passport."
    )
    assert without_pointer(
        "センターがサポートします。まず /school で学年をご確認ください。", "/school"
    ) == ("センターがサポートします。")
