"""Models for Latin-script text: lingua's n-grams and wordfreq's word lists."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import regex
import zhon.pinyin
from lingua import Language, LanguageDetectorBuilder
from lingua import LanguageDetector as Lingua

from bot.i18n.romanised import without_signs
from bot.i18n.wordlists import wordlist

__all__ = ["LATIN_LOCALES", "LINGUA_OTHERS", "LatinModels", "latin_models"]

LATIN_LOCALES: Final[tuple[str, ...]] = ("en", "fr", "de", "es")
LINGUA_OURS: Final = (Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH)
# Languages residents of Shanghai write that Linzhu does not speak, in the scripts it reads.
LINGUA_OTHERS: Final = (
    Language.ITALIAN, Language.PORTUGUESE, Language.DUTCH, Language.VIETNAMESE,
    Language.TURKISH, Language.INDONESIAN, Language.MALAY, Language.POLISH,
    Language.ROMANIAN, Language.CATALAN, Language.SWEDISH, Language.DANISH,
    Language.BOKMAL, Language.FINNISH, Language.CZECH, Language.HUNGARIAN,
    Language.TAGALOG, Language.RUSSIAN, Language.UKRAINIAN, Language.BULGARIAN,
)  # fmt: skip
# wordfreq names two of them differently from ISO 639-1.
WORDFREQ_CODE: Final[dict[str, str]] = {"tl": "fil"}


# Romanised Chinese names (Hongqiao, Gubei, Jing'an) fill messages here but carry no language.
PINYIN_RE: Final = regex.compile(rf"(?:{zhon.pinyin.syllable})+", regex.I)
NAME_MAX_FREQ: Final = 1e-6  # a pinyin-shaped token rarer than this in all our lists is a name
KNOWN: Final = 1e-6  # a word at least this frequent is a word of the language, not noise
FOREIGN_WORDS: Final = 10_000  # words kept per language Linzhu does not speak
_PLACE_NAMES_REMEMBERED: Final = 20_000  # tokens (~2 MB)


class LatinModels:
    """The Latin-script models: lingua (our four, high accuracy; a wider set, low accuracy)
    and wordfreq word lists, loaded once and shared by every detector instance."""

    def __init__(self) -> None:
        # High accuracy (all n-gram sizes) only where it matters: short texts in our locales.
        self.ours: Lingua = (
            LanguageDetectorBuilder.from_languages(*LINGUA_OURS)
            .with_preloaded_language_models()
            .build()
        )
        # The wide set only judges longer texts, where trigrams suffice; this keeps memory small.
        self.wide: Lingua = (
            LanguageDetectorBuilder.from_languages(*LINGUA_OURS, *LINGUA_OTHERS)
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
        )
        self.words: dict[str, dict[str, float]] = {lang: wordlist(lang) for lang in LATIN_LOCALES}
        # Russian words as translit writes them (romanised.py) → their usual spelling.
        self.russian: dict[str, str] = {}
        self._place_names: dict[str, bool] = {}
        for word, f in wordlist("ru").items():  # commonest first
            if f >= KNOWN:
                self.russian.setdefault(without_signs(word), word)

    def is_place_name(self, token: str) -> bool:
        """True for pinyin that none of our languages uses as a word ("hongqiao", not "taxi")."""
        # Remembered per token: chat reuses its words, and the pinyin match was a tenth of
        # language detection's time. Cleared whole when full (safe across threads).
        found = self._place_names.get(token)
        if found is None:
            if len(self._place_names) >= _PLACE_NAMES_REMEMBERED:
                self._place_names.clear()
            found = self._place_names[token] = self._is_place_name(token)
        return found

    def _is_place_name(self, token: str) -> bool:
        bare = token.replace("'", "").replace("’", "")
        return bool(PINYIN_RE.fullmatch(bare)) and all(
            self.words[lang].get(w, 0.0) < NAME_MAX_FREQ
            for lang in LATIN_LOCALES
            for w in (token, bare)
        )

    def words_for(self, lang: str) -> dict[str, float]:
        """The word list of `lang`. Other languages' lists load on the first long text that
        may be in them, once, and keep only their commonest words: enough to corroborate a
        detection, at about 1 MiB each instead of 4."""
        if lang not in self.words:
            self.words[lang] = wordlist(WORDFREQ_CODE.get(lang, lang), FOREIGN_WORDS)
        return self.words[lang]


@lru_cache(maxsize=1)
def latin_models() -> LatinModels:
    """The models, loaded once per process and shared by every detector."""
    return LatinModels()
