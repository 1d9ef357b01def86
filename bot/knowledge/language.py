"""Which language a question is in, for `linzhu ask` and the answer locale.

The real detector (`bot.i18n.detect.LanguageDetector`) is being built in another area;
until it is merged, a script-based guess stands in with the same result shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Detection:
    locale: str | None
    confidence: float
    certain: bool
    unsupported: bool = False


_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_HAN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")


class ScriptDetector:
    """Hangul → ko, kana → ja, Cyrillic → ru, Han → zh_Hans, anything else → en."""

    def detect(self, text: str) -> Detection:
        if _HANGUL.search(text):
            return Detection("ko", 1.0, True)
        if _KANA.search(text):
            return Detection("ja", 1.0, True)
        if _CYRILLIC.search(text):
            return Detection("ru", 0.9, True)
        if _HAN.search(text):
            return Detection("zh_Hans", 0.6, False)
        return Detection("en", 0.3, False)


def make_detector() -> Any:
    """The shared detector when it is available, else the script-based stand-in."""
    try:
        from bot.i18n.detect import LanguageDetector
    except ImportError:
        return ScriptDetector()
    return LanguageDetector()
