"""Models for Han text: Simplified, Traditional, Japanese-only and Chinese-only characters."""

from __future__ import annotations

import gzip
from collections import defaultdict
from functools import lru_cache
from typing import Final

import regex

from bot.i18n.detection import Detection
from bot.i18n.han_words import KanjiOrHanzi
from bot.i18n.wordlists import wordlist

__all__ = [
    "CHINESE_GRAMMAR",
    "CHINESE_PHRASES",
    "HAN_RE",
    "HAN_RUN_RE",
    "HanModels",
    "han_models",
    "is_han",
]

_HAN_CHAR_RE: Final = regex.compile(r"\p{Script=Han}")

# Characters and words that lean to Taiwan/Hong Kong usage while using only characters both
# scripts share: zhuyin, Cantonese particles, Taiwanese sentence-final particles, 「」 quotes.
HANT_MARKERS: Final = frozenset("嘅咗唔冇佢哋啲嘢喺咩嚟噉㗎啱嗰齁欸唷「」『』")
HAN_RUN_RE: Final = regex.compile(r"\p{Script=Han}+")
HAN_RE: Final = regex.compile(r"[\p{Script=Han}\p{Script=Bopomofo}]")
# Characters that build Chinese sentences (particles, pronouns, common verbs), Mandarin and
# Cantonese; a Han term alone (社区医院, 居留许可) has none of them.
CHINESE_PHRASES: Final = (
    *("可以", "什么", "什麼", "怎么", "怎麼", "有没有", "有沒有", "想要"),
    *("怎样", "怎樣", "如何", "点样", "點樣"),  # "how", which no administrative term holds
)
CHINESE_GRAMMAR: Final = frozenset(
    "的了吗嗎呢吧啊呀我你他她们們这這那哪是都还還也给給"  # Mandarin
    "嘅咗唔係喺啲佢哋冇咩乜"  # Cantonese
)
_COMMON, _RARE = 1e-5, 1e-7  # wordfreq frequencies: "in everyday use" and "practically unused"
# log P(Japanese words) − log P(Chinese words) above which kanji-only text is Japanese: about
# 50 times likelier. 幼稚園 (2.9: also Taiwan's word) stays Chinese; 書類 (6.4) does not.
_JAPANESE_WORDS_MARGIN: Final = 4.0
_MIXED_MARGIN: Final = -6.0  # every mixed text in the dev sets is Japanese


class HanModels:
    """Which Han characters mark Simplified, Traditional, Japanese-only or Chinese-only text.

    The Simplified/Traditional sets are CC-CEDICT's (via hanzidentifier); the Japanese and
    Chinese ones are derived from wordfreq's word lists, so Japanese shinjitai such as 駅, 図
    or 済 mark kanji-only Japanese, and 这, 们 or 吃 rule Japanese out."""

    def __init__(self) -> None:
        # CC-CEDICT's character sets, which hanzidentifier does not export at its top level.
        from hanzidentifier import helpers

        self.simplified_only = frozenset(
            helpers.SIMPLIFIED_CHARACTERS - helpers.TRADITIONAL_CHARACTERS
        )
        self.traditional_only = frozenset(
            helpers.TRADITIONAL_CHARACTERS - helpers.SIMPLIFIED_CHARACTERS
        )
        ja, zh = wordlist("ja"), wordlist("zh")
        to_simplified = _simplified_map()
        ja_chars, zh_chars = _char_frequencies(ja), _char_frequencies(zh)

        def zh_freq(ch: str) -> float:
            return max(zh_chars.get(ch, 0.0), zh_chars.get(ch.translate(to_simplified), 0.0))

        # A CEDICT "traditional" character that Japanese also writes (銃, 鯖) proves nothing.
        self.japanese_only = frozenset(
            c for c, f in ja_chars.items()
            if f > _COMMON and zh_freq(c) < _RARE and c not in self.traditional_only and is_han(c)
        )  # fmt: skip
        self.chinese_only = frozenset(
            c
            for c in {*zh_chars, *self.traditional_only}
            if zh_freq(c) > _COMMON and ja_chars.get(c, 0.0) < _RARE
        )
        # Kanji-only Japanese words, to tell whether a Han-only message also reads as Japanese.
        self.japanese_words = frozenset(
            w for w, f in ja.items() if is_han(w) and (f >= 1e-6 if len(w) > 1 else f >= 1e-4)
        )
        self.words = KanjiOrHanzi(ja, zh, to_simplified)

    def classify(self, text: str, *, bopomofo: bool) -> Detection:
        """Detect zh_Hans, zh_Hant or kanji-only ja in a text whose letters are mostly Han."""
        han = [c for c in text if is_han(c)]
        simp = sum(c in self.simplified_only for c in han)
        trad = sum(c in self.traditional_only for c in han)
        ja_hits = sum(c in self.japanese_only for c in han)
        if ja_hits > self.chinese_hits(text):
            return Detection("ja", 0.85, False, None)
        if self.chinese_hits(text) == 0 and self._japanese_words(text, mixed=bool(simp and trad)):
            return Detection("ja", 0.85, False, None)
        reads_japanese = all(self._reads_japanese(run) for run in HAN_RUN_RE.findall(text))
        also_ja: tuple[str, ...] = ("ja",) if reads_japanese else ()
        if simp != trad and (simp == 0 or trad == 0):
            # Only one script's own characters: hanzidentifier is never wrong here.
            locale = "zh_Hant" if trad else "zh_Hans"
            confidence = 0.95 if simp + trad == 1 else 0.99
            return Detection(locale, confidence, not reads_japanese, None, also_ja)
        both = ("zh_Hans", "zh_Hant", *also_ja)
        if simp or trad:  # a mixture: the majority, without certainty
            return Detection("zh_Hant" if trad > simp else "zh_Hans", 0.75, False, None, both)
        # Shared characters only: the script is open; a Taiwan/HK marker tips the guess,
        # and without one Simplified is likelier in Shanghai. The policy keeps a prior/hint.
        marked = bopomofo or any(c in HANT_MARKERS for c in text)
        return Detection("zh_Hant" if marked else "zh_Hans", 0.9, False, None, both)

    def _japanese_words(self, text: str, *, mixed: bool) -> bool:
        """True when the text's words are far likelier Japanese than Chinese (書類, 手続,
        救急車 番号), or when it mixes Simplified and Traditional forms, as Japanese
        shinjitai do (中国語: 国 looks Simplified, 語 Traditional), and does not read as
        Chinese words."""
        margin = self.words.japanese_margin(HAN_RUN_RE.findall(text))
        return margin >= _JAPANESE_WORDS_MARGIN or (mixed and margin > _MIXED_MARGIN)

    def chinese_hits(self, text: str) -> int:
        """How many characters of `text` Chinese uses and Japanese does not (这, 们, 吃)."""
        return sum(c in self.chinese_only for c in text)

    def _reads_japanese(self, run: str) -> bool:
        """True when a Han run splits into common kanji-only Japanese words (了解, 電話, 予約)."""
        ok = [True] + [False] * len(run)
        for end in range(1, len(run) + 1):
            ok[end] = any(
                ok[end - n] and run[end - n : end] in self.japanese_words
                for n in range(1, min(4, end) + 1)
            )
        return ok[-1]


def is_han(text: str) -> bool:
    return bool(text) and all(_HAN_CHAR_RE.match(c) for c in text)


def _char_frequencies(words: dict[str, float]) -> dict[str, float]:
    freqs: defaultdict[str, float] = defaultdict(float)
    for word, f in words.items():
        for ch in word:
            freqs[ch] += f
    return dict(freqs)


def _simplified_map() -> dict[int, str]:
    """wordfreq's Traditional→Simplified character table, used to look Traditional text up
    in its Simplified-keyed Chinese list; without it, only Simplified-only characters count."""
    try:
        import msgpack
        from wordfreq.util import data_path

        with gzip.open(data_path("_chinese_mapping.msgpack.gz")) as f:
            table = msgpack.load(f, raw=False, strict_map_key=False)
        return {int(k): str(v) for k, v in table.items()}
    except (ImportError, OSError, ValueError):
        return {}


@lru_cache(maxsize=1)
def han_models() -> HanModels:
    """The models, loaded once per process and shared by every detector."""
    return HanModels()
