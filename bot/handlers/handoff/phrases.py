"""The staff phrases (phrases.yaml): short texts in every locale that staff insert in a
conversation with one click. Loaded and checked once; a missing locale is an error."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from bot.i18n import LOCALES

PHRASES_FILE = Path(__file__).resolve().parent / "phrases.yaml"


class PhraseError(ValueError):
    """The phrases file is malformed or misses a locale; the message says where."""


@lru_cache(maxsize=1)
def staff_phrases(path: Path = PHRASES_FILE) -> dict[str, dict[str, str]]:
    """{key: {locale: text}} for every phrase, each in all nine locales."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise PhraseError(f"{path}: expected phrase keys at the top level")
    phrases: dict[str, dict[str, str]] = {}
    for key, texts in data.items():
        if not isinstance(texts, dict):
            raise PhraseError(f"{path}: {key}: expected locale: text pairs")
        missing = [loc for loc in LOCALES if not str(texts.get(loc) or "").strip()]
        if missing:
            raise PhraseError(f"{path}: {key}: no text for {', '.join(missing)}")
        phrases[str(key)] = {loc: str(texts[loc]).strip() for loc in LOCALES}
    return phrases
