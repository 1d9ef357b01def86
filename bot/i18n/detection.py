"""The result of language detection for one message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["NO_SIGNAL", "Detection"]


@dataclass(frozen=True)
class Detection:
    """What one message says about its language."""

    locale: str | None  # one of LOCALES, or None when there is no usable signal
    confidence: float  # 0..1
    certain: bool  # a script only one locale uses, or a confident long text
    unsupported: str | None  # ISO 639-1 code of a language Linzhu does not speak
    # Other locales the text fits just as well (e.g. both Chinese scripts when only shared
    # characters are used), so a prior or a hint among them should be kept, not overridden.
    compatible: tuple[str, ...] = ()

    def fits(self, locale: str | None) -> bool:
        """True when `locale` is this detection's locale or equally compatible with the text."""
        return locale is not None and (locale == self.locale or locale in self.compatible)


NO_SIGNAL: Final = Detection(None, 0.0, False, None)
