"""Rendering helpers shared by channels that have no buttons (WeChat text, the console)."""

from __future__ import annotations

from bot.core.types import Reply


def numbered_options(replies: list[Reply]) -> list[tuple[int, str]]:
    """Buttons numbered 1.. across all replies — the same order the dispatcher stores as menu."""
    labels = [button.label for reply in replies for button in reply.buttons]
    return list(enumerate(labels, start=1))


def strip_markup(text: str) -> str:
    """Light markup (*bold*) as plain text, for channels that show no formatting."""
    return text.replace("*", "")
