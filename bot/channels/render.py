"""Rendering helpers shared by channels that have no buttons (WeChat text, the console)."""

from __future__ import annotations

from bot.core.markup import plain_phones
from bot.core.types import Reply


def numbered_options(replies: list[Reply]) -> list[tuple[int, str]]:
    """Buttons numbered 1.. across all replies — the same order the dispatcher stores as menu."""
    labels = [button.label for reply in replies for button in reply.buttons]
    return list(enumerate(labels, start=1))


def strip_markup(text: str) -> str:
    """Light markup (*bold*, phone links) as plain text, for channels that show no
    formatting; a phone link becomes its number, which phones link themselves."""
    return plain_phones(text).replace("*", "")
