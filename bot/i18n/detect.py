"""Language detection for short chat messages.

Scripts decide first, because they are exact: Hangul is Korean, kana Japanese, Cyrillic
Russian, Han Chinese (Simplified or Traditional by its characters). Latin-script text goes
to a statistical model restricted to the four Latin-script locales (lingua's character
n-grams multiplied by wordfreq's word frequencies and a few spelling cues), because general
detectors spend their probability on languages Linzhu never answers in; romanised place
names (Hongqiao, Jing'an) and tokens like "ok" are set aside first, as they carry no
language. Languages Linzhu does not speak are flagged only on evidence: their own script, or
a confident detection over a wider language set on a text long enough to trust.
"""

from __future__ import annotations

import gzip
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import regex
import wordfreq
import zhon.pinyin
from lingua import Language, LanguageDetectorBuilder
from lingua import LanguageDetector as _Lingua

from bot.i18n.han_words import KanjiOrHanzi
from bot.i18n.romanised import (
    ROMANISED_CONFIDENCE,
    cyrillic_text,
    looks_like_romaji,
    russian_share,
    without_signs,
)

__all__ = ["Detection", "LanguageDetector", "platform_locale"]


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

LATIN_LOCALES: Final[tuple[str, ...]] = ("en", "fr", "de", "es")
_LINGUA_OURS: Final = (Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH)
# Languages residents of Shanghai write that Linzhu does not speak, in the scripts it reads.
_LINGUA_OTHERS: Final = (
    Language.ITALIAN, Language.PORTUGUESE, Language.DUTCH, Language.VIETNAMESE,
    Language.TURKISH, Language.INDONESIAN, Language.MALAY, Language.POLISH,
    Language.ROMANIAN, Language.CATALAN, Language.SWEDISH, Language.DANISH,
    Language.BOKMAL, Language.FINNISH, Language.CZECH, Language.HUNGARIAN,
    Language.TAGALOG, Language.RUSSIAN, Language.UKRAINIAN, Language.BULGARIAN,
)  # fmt: skip
# wordfreq names two of them differently from ISO 639-1.
_WORDFREQ_CODE: Final[dict[str, str]] = {"tl": "fil"}

# Scripts that alone identify a locale, or a language Linzhu does not speak.
_SCRIPT_LOCALE: Final[dict[str, str]] = {"Hangul": "ko", "Kana": "ja", "Cyrillic": "ru"}
_SCRIPT_UNSUPPORTED: Final[dict[str, str]] = {
    "Thai": "th", "Arabic": "ar", "Hebrew": "he", "Devanagari": "hi", "Greek": "el",
    "Armenian": "hy", "Georgian": "ka", "Bengali": "bn", "Tamil": "ta", "Telugu": "te",
    "Gujarati": "gu", "Gurmukhi": "pa", "Kannada": "kn", "Malayalam": "ml", "Sinhala": "si",
    "Khmer": "km", "Lao": "lo", "Myanmar": "my", "Ethiopic": "am", "Tibetan": "bo",
    "Mongolian": "mn",
}  # fmt: skip
_SCRIPTS: Final = ("Latin", "Han", "Hiragana", "Katakana", "Hangul", "Cyrillic", "Bopomofo",
                   *_SCRIPT_UNSUPPORTED)  # fmt: skip
_SCRIPT_RE: Final = {s: regex.compile(rf"\p{{Script={s}}}") for s in _SCRIPTS}
# One Han, kana or Hangul character carries about as much as a short Latin word, so mixed
# messages ("我想去Hongqiao站") are judged by weighted counts, not raw letters.
_DENSE_WEIGHT: Final = 3

# Letters Russian never uses, so a Cyrillic text with them is another language.
_NON_RUSSIAN_CYRILLIC: Final = (("ўЎ", "be"), ("їЇєЄґҐіІ", "uk"), ("әғқңұһӘҒҚҢҰҺ", "kk"),
                                ("өүӨҮ", "mn"), ("ђћЂЋ", "sr"), ("ѓќѕЃЌЅ", "mk"),
                                ("јљњџЈЉЊЏ", "sr"))  # fmt: skip
# Letters that belong to none of en/fr/de/es, each strongly tied to one language.
_FOREIGN_LATIN: Final = (("ơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđĩũ", "vi"),
                         ("ığşİĞŞ", "tr"), ("łąęśźżńŁĄĘŚŹŻ", "pl"), ("řůěťďŘŮĚ", "cs"),
                         ("șțŞŢȘȚ", "ro"), ("ãõÃÕ", "pt"), ("őűŐŰ", "hu"), ("åÅ", "sv"),
                         ("øØ", "da"))  # fmt: skip

# Spelling that, among the four Latin-script locales, only one (or two) of them use.
_CUES: Final = ((regex.compile(r"[ñ¿¡áíóú]", regex.I), ("es",)),
                (regex.compile(r"[àâçèêëîïôœùûÿ]", regex.I), ("fr",)),
                (regex.compile(r"(?<!\p{L})(?:[cdjlmnst]|qu)['’][aeiouyhéèêàâ]", regex.I), ("fr",)),
                (regex.compile(r"[äöß]", regex.I), ("de",)),
                (regex.compile(r"ü", regex.I), ("de", "es")),
                (regex.compile(r"é", regex.I), ("fr", "es")))  # fmt: skip
_CUE_FACTOR: Final = 4.0

# Chat tokens every language uses; they say nothing about which one.
_NEUTRAL: Final = frozenset(
    ["ok", "okay", "okey", "okie", "okk", "k", "kk", "lol", "lmao", "haha", "hahaha", "hehe",
     "xd", "hmm", "hm", "mmm", "wow", "oh", "ah", "omg"]
)  # fmt: skip
# Programme, brand and app names residents write in any language: they say nothing about the
# writer's language, so they never make a message foreign or decide its locale.
_NAMES: Final = frozenset(
    ["linzhu", "linguang", "colab", "sanye", "hongqiao", "gubei", "changning", "minhang",
     "wechat", "weixin", "alipay", "didi", "meituan", "taobao", "ctrip", "unicom", "hsk",
     "ib", "hr", "whatsapp", "telegram", "app"]
)  # fmt: skip
# Whole messages too common across languages to move a conversation (the brief's "yes").
_TRIVIAL: Final = _NEUTRAL | frozenset(
    ["yes", "yep", "yeah", "no", "nope", "hi", "hello", "hey", "bye"]
)

_URL_RE: Final = regex.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|(?<!\S)[/@#]\w+(?:@\w+)?")
_NUMERIC_RE: Final = regex.compile(r"(?<!\p{L})\d[\d:.,/\-]*\p{Latin}{0,3}(?!\p{L})")
_WORD_RE: Final = regex.compile(r"\p{L}+")
_TOKEN_RE: Final = regex.compile(r"\p{L}+(?:['’]\p{L}+)*")  # keeps "jing'an" and "l'école" whole
# Romanised Chinese names (Hongqiao, Gubei, Jing'an) fill messages here but carry no language.
_PINYIN_RE: Final = regex.compile(rf"(?:{zhon.pinyin.syllable})+", regex.I)
_NAME_MAX_FREQ: Final = 1e-6  # a pinyin-shaped token rarer than this in all our lists is a name
_KANA_RE: Final = regex.compile(r"[\p{Script=Hiragana}\p{Script=Katakana}]")

# A Latin text needs this many words and letters before a foreign language is flagged,
# and before a supported one is called certain.
_FOREIGN_MIN_WORDS, _FOREIGN_MIN_LETTERS = 3, 12
_CERTAIN_MIN_WORDS, _CERTAIN_MIN_LETTERS = 4, 20
# One or two Latin words are weak evidence ("ja" is also Dutch and Swedish), so their
# confidence is capped below the policy's switch threshold for one word.
_WORD_COUNT_CAP: Final = {1: 0.6, 2: 0.85}
_LATIN_CAP: Final = 0.99
_UNSEEN: Final = 1e-7  # frequency of a word a wordlist lacks while another has it
_FOREIGN_WORDS: Final = 10_000  # words kept per language Linzhu does not speak
_KNOWN: Final = 1e-6  # a word at least this frequent is a word of the language, not noise
_COMMON_WORD: Final = 2e-5  # "ka", "wa" and "ii" are in the English list, but rarely written


class _LatinModels:
    """The Latin-script models: lingua (our four, high accuracy; a wider set, low accuracy)
    and wordfreq word lists, loaded once and shared by every detector instance."""

    def __init__(self) -> None:
        # High accuracy (all n-gram sizes) only where it matters: short texts in our locales.
        self.ours: _Lingua = (
            LanguageDetectorBuilder.from_languages(*_LINGUA_OURS)
            .with_preloaded_language_models()
            .build()
        )
        # The wide set only judges longer texts, where trigrams suffice; this keeps memory small.
        self.wide: _Lingua = (
            LanguageDetectorBuilder.from_languages(*_LINGUA_OURS, *_LINGUA_OTHERS)
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
        )
        self.words: dict[str, dict[str, float]] = {lang: _wordlist(lang) for lang in LATIN_LOCALES}
        # Russian words as translit writes them (romanised.py) → their usual spelling.
        self.russian: dict[str, str] = {}
        for word, f in _wordlist("ru").items():  # commonest first
            if f >= _KNOWN:
                self.russian.setdefault(without_signs(word), word)

    def is_place_name(self, token: str) -> bool:
        """True for pinyin that none of our languages uses as a word ("hongqiao", not "taxi")."""
        bare = token.replace("'", "").replace("’", "")
        return bool(_PINYIN_RE.fullmatch(bare)) and all(
            self.words[lang].get(w, 0.0) < _NAME_MAX_FREQ
            for lang in LATIN_LOCALES
            for w in (token, bare)
        )

    def words_for(self, lang: str) -> dict[str, float]:
        """The word list of `lang`. Other languages' lists load on the first long text that
        may be in them, once, and keep only their commonest words: enough to corroborate a
        detection, at about 1 MiB each instead of 4."""
        if lang not in self.words:
            self.words[lang] = _wordlist(_WORDFREQ_CODE.get(lang, lang), _FOREIGN_WORDS)
        return self.words[lang]


def _wordlist(lang: str, top: int | None = None) -> dict[str, float]:
    """wordfreq's "small" list for `lang`, optionally cut to its `top` commonest words."""
    try:
        words = wordfreq.get_frequency_dict(lang, "small")  # ordered, commonest first
    except LookupError:  # wordfreq has no list for it: no word evidence either way
        return {}
    finally:
        _release_wordfreq_caches()
    return dict(itertools.islice(words.items(), top))


def _release_wordfreq_caches() -> None:
    """wordfreq memoises every list it loads for the life of the process; we keep our own
    copies of what we use, so its caches would only double the memory."""
    wordfreq.get_frequency_dict.cache_clear()
    wordfreq.get_frequency_list.cache_clear()


# Characters and words that lean to Taiwan/Hong Kong usage while using only characters both
# scripts share: zhuyin, Cantonese particles, Taiwanese sentence-final particles, 「」 quotes.
_HANT_MARKERS: Final = frozenset("嘅咗唔冇佢哋啲嘢喺咩嚟噉㗎啱嗰齁欸唷「」『』")
_HAN_RUN_RE: Final = regex.compile(r"\p{Script=Han}+")
_HAN_RE: Final = regex.compile(r"[\p{Script=Han}\p{Script=Bopomofo}]")
# Characters that build Chinese sentences (particles, pronouns, common verbs), Mandarin and
# Cantonese; a Han term alone (社区医院, 居留许可) has none of them.
_CHINESE_PHRASES: Final = (
    *("可以", "什么", "什麼", "怎么", "怎麼", "有没有", "有沒有", "想要"),
    *("怎样", "怎樣", "如何", "点样", "點樣"),  # "how", which no administrative term holds
)
_CHINESE_GRAMMAR: Final = frozenset(
    "的了吗嗎呢吧啊呀我你他她们們这這那哪是都还還也给給"  # Mandarin
    "嘅咗唔係喺啲佢哋冇咩乜"  # Cantonese
)
_COMMON, _RARE = 1e-5, 1e-7  # wordfreq frequencies: "in everyday use" and "practically unused"
# log P(Japanese words) − log P(Chinese words) above which kanji-only text is Japanese: about
# 50 times likelier. 幼稚園 (2.9: also Taiwan's word) stays Chinese; 書類 (6.4) does not.
_JAPANESE_WORDS_MARGIN: Final = 4.0
_MIXED_MARGIN: Final = -6.0  # every mixed text in the dev sets is Japanese


class _HanModels:
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
        ja, zh = _wordlist("ja"), _wordlist("zh")
        to_simplified = _simplified_map()
        ja_chars, zh_chars = _char_frequencies(ja), _char_frequencies(zh)

        def zh_freq(ch: str) -> float:
            return max(zh_chars.get(ch, 0.0), zh_chars.get(ch.translate(to_simplified), 0.0))

        # A CEDICT "traditional" character that Japanese also writes (銃, 鯖) proves nothing.
        self.japanese_only = frozenset(
            c for c, f in ja_chars.items()
            if f > _COMMON and zh_freq(c) < _RARE and c not in self.traditional_only and _is_han(c)
        )  # fmt: skip
        self.chinese_only = frozenset(
            c
            for c in {*zh_chars, *self.traditional_only}
            if zh_freq(c) > _COMMON and ja_chars.get(c, 0.0) < _RARE
        )
        # Kanji-only Japanese words, to tell whether a Han-only message also reads as Japanese.
        self.japanese_words = frozenset(
            w for w, f in ja.items() if _is_han(w) and (f >= 1e-6 if len(w) > 1 else f >= 1e-4)
        )
        self.words = KanjiOrHanzi(ja, zh, to_simplified)

    def classify(self, text: str, *, bopomofo: bool) -> Detection:
        """Detect zh_Hans, zh_Hant or kanji-only ja in a text whose letters are mostly Han."""
        han = [c for c in text if _is_han(c)]
        simp = sum(c in self.simplified_only for c in han)
        trad = sum(c in self.traditional_only for c in han)
        ja_hits = sum(c in self.japanese_only for c in han)
        if ja_hits > self.chinese_hits(text):
            return Detection("ja", 0.85, False, None)
        if self.chinese_hits(text) == 0 and self._japanese_words(text, mixed=bool(simp and trad)):
            return Detection("ja", 0.85, False, None)
        reads_japanese = all(self._reads_japanese(run) for run in _HAN_RUN_RE.findall(text))
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
        marked = bopomofo or any(c in _HANT_MARKERS for c in text)
        return Detection("zh_Hant" if marked else "zh_Hans", 0.9, False, None, both)

    def _japanese_words(self, text: str, *, mixed: bool) -> bool:
        """True when the text's words are far likelier Japanese than Chinese (書類, 手続,
        救急車 番号), or when it mixes Simplified and Traditional forms, as Japanese
        shinjitai do (中国語: 国 looks Simplified, 語 Traditional), and does not read as
        Chinese words."""
        margin = self.words.japanese_margin(_HAN_RUN_RE.findall(text))
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


def _is_han(text: str) -> bool:
    return bool(text) and all(_SCRIPT_RE["Han"].match(c) for c in text)


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
def _latin_models() -> _LatinModels:
    return _LatinModels()


@lru_cache(maxsize=1)
def _han_models() -> _HanModels:
    return _HanModels()


class LanguageDetector:
    """Detects the locale of chat messages; create one at start-up (models load here, once)."""

    def __init__(self) -> None:
        self._latin = _latin_models()
        self._han = _han_models()

    def preload(self) -> None:
        """Load the word lists of every language that may be flagged as unsupported now
        (about a second and 20 MiB), not in the middle of someone's message; before
        `serve --workers` forks, so the workers share them."""
        for language in _LINGUA_OTHERS:
            self._latin.words_for(language.iso_code_639_1.name.lower())

    def detect(self, text: str) -> Detection:
        """Detect the language of one message; deterministic and free of I/O."""
        cleaned = _NUMERIC_RE.sub(" ", _URL_RE.sub(" ", text))
        counts = _script_counts(cleaned)
        if not counts:
            return NO_SIGNAL
        script = _dominant(counts)
        if script in _SCRIPT_UNSUPPORTED:
            return Detection(None, 1.0, True, _SCRIPT_UNSUPPORTED[script])
        # Kana, Hangul and Cyrillic belong to one locale each, whatever else the message
        # holds: a brand or place name in Latin letters, a Chinese term.
        owned = _owning_script(counts) or ("Kana" if counts["Kana"] else None)
        if owned == "Kana" and self._borrowed_no(cleaned):
            owned, script = None, "Han"
        if owned == "Cyrillic":
            return self._cyrillic(cleaned)
        if owned in _SCRIPT_LOCALE:
            return Detection(_SCRIPT_LOCALE[owned], 1.0, True, None)
        if counts["Han"] and counts["Latin"]:
            script = self._frame(cleaned, script)
        if script == "Han":
            return self._han.classify(cleaned, bopomofo=counts["Bopomofo"] > 0)
        return self._latin_text(_HAN_RE.sub(" ", cleaned))

    def _frame(self, text: str, weighted: str) -> str:
        """Which script a Han + Latin message is written in. Chinese terms inside a French
        sentence ("C'est le 社区医院 qui…") carry no Chinese grammar; English words inside a
        Chinese sentence ("有没有适合 adult 的 class") sit in one. Without grammar words in
        either, the weighted letter counts decide."""
        han = "".join(_HAN_RUN_RE.findall(text))
        if any(c in _CHINESE_GRAMMAR for c in han) or any(w in han for w in _CHINESE_PHRASES):
            return "Han"
        latin = [
            w
            for w in _TOKEN_RE.findall(_HAN_RE.sub(" ", text).casefold())
            if w not in _NEUTRAL and w not in _NAMES and not self._latin.is_place_name(w)
        ]
        return "Latin" if len(latin) >= 2 else weighted

    def cyrillic_reading(self, text: str) -> str | None:
        """Romanised Russian ("kak pomenyat yazyk") written back in Cyrillic ("как поменять
        язык"), for retrieval; None for any other text."""
        if not text.isascii() or self.detect(text).locale != "ru":  # translit is plain ASCII
            return None
        return cyrillic_text(text, self._latin.russian)

    def _borrowed_no(self, text: str) -> bool:
        """Chinese chat borrows の for 的 (我の猫): its only kana, next to Chinese-only hanzi."""
        return set(_KANA_RE.findall(text)) == {"の"} and self._han.chinese_hits(text) > 0

    def _cyrillic(self, text: str) -> Detection:
        for letters, code in _NON_RUSSIAN_CYRILLIC:
            if any(ch in letters for ch in text):
                return Detection(None, 0.95, True, code)
        foreign = self._foreign(text, _WORD_RE.findall(text.casefold()), ("ru",))
        return (
            Detection(None, foreign[1], True, foreign[0])
            if foreign
            else Detection("ru", 1.0, True, None)
        )

    def _latin_text(self, text: str) -> Detection:
        tokens = _TOKEN_RE.findall(text.casefold())
        if not tokens or " ".join(tokens) in _TRIVIAL:
            return NO_SIGNAL
        words = [
            w
            for token in tokens
            if token not in _NEUTRAL
            and token not in _NAMES
            and not self._latin.is_place_name(token)
            for w in _WORD_RE.findall(token)
        ]
        if not words:  # "Hongqiao?": a name says nothing about the writer's language
            return NO_SIGNAL
        # Romaji and pinyin share their syllables, so the names are not set aside here.
        named = [t for t in tokens if t not in _NEUTRAL and t not in _NAMES]
        romanised = self._romanised([w for t in named for w in _WORD_RE.findall(t)])
        if romanised is not None:
            return Detection(romanised, ROMANISED_CONFIDENCE, False, None)
        foreign = self._foreign(" ".join(words), words, LATIN_LOCALES)
        if foreign:
            return Detection(None, foreign[1], False, foreign[0])
        if not any(self._known(w) for w in words) and not any(p.search(text) for p, _ in _CUES):
            # Not one word any of our languages uses ("qwzx plorf"): letter statistics alone
            # would still name a language, but nothing was written in one.
            return NO_SIGNAL
        scores = self._latin_scores(" ".join(words), text, words)
        best = max(scores, key=scores.__getitem__)
        # A statistical answer is never 1.0: that is kept for script rules.
        confidence = min(scores[best], _WORD_COUNT_CAP.get(len(words), _LATIN_CAP))
        letters = sum(map(len, words))
        certain = (
            confidence >= 0.95
            and len(words) >= _CERTAIN_MIN_WORDS
            and letters >= _CERTAIN_MIN_LETTERS
        )
        return Detection(best, round(confidence, 4), certain, None)

    def _known(self, word: str) -> bool:
        """A word one of our languages uses, or a compound of two (Kinderclub, Talentbörse)."""
        lists = [self._latin.words_for(lang) for lang in LATIN_LOCALES]
        if any(word in words for words in lists):
            return True
        return len(word) >= 8 and any(
            word[:i] in words and word[i:] in words
            for words in lists
            for i in range(3, len(word) - 2)
        )

    def _romanised(self, words: list[str]) -> str | None:
        """ "ja" or "ru" for romanised Japanese or Russian that our Latin languages do not
        explain better; None otherwise."""
        if not words:
            return None
        latin = max(
            sum(self._latin.words[lang].get(w, 0.0) >= _COMMON_WORD for w in words) / len(words)
            for lang in LATIN_LOCALES
        )
        if latin > 0.5:
            return None
        if looks_like_romaji(words):
            return "ja"
        russian = russian_share(words, self._latin.russian.__contains__)
        long_enough = len(words) >= 2 or (len(words[0]) >= 5 and latin == 0.0)
        if long_enough and russian >= 0.75 and russian - latin >= 0.4:
            return "ru"
        return None

    def _latin_scores(self, joined: str, raw: str, words: list[str]) -> dict[str, float]:
        """Posterior over en/fr/de/es: lingua's n-grams × word frequencies × spelling cues."""
        ngram = {
            v.language.iso_code_639_1.name.lower(): v.value
            for v in self._latin.ours.compute_language_confidence_values(joined)
        }
        word = _word_posterior(words, LATIN_LOCALES, self._latin.words_for)
        scores = {lang: max(ngram.get(lang, 0.0), 1e-6) * word[lang] for lang in LATIN_LOCALES}
        for pattern, langs in _CUES:
            if pattern.search(raw):
                for lang in langs:
                    scores[lang] *= _CUE_FACTOR
        total = sum(scores.values())
        return {lang: s / total for lang, s in scores.items()}

    def _foreign(
        self, text: str, words: list[str], ours: tuple[str, ...]
    ) -> tuple[str, float] | None:
        """(ISO code, confidence) of a language Linzhu does not speak, only on solid evidence."""
        marked = _foreign_letters(words)
        if marked and len(words) < _FOREIGN_MIN_WORDS:
            # Short texts: only letters none of our languages use, in at least half the words.
            code, hits = marked
            return (code, 0.9) if hits * 2 >= len(words) else None
        if len(words) < _FOREIGN_MIN_WORDS or sum(map(len, words)) < _FOREIGN_MIN_LETTERS:
            return None
        # Two independent witnesses must agree: the wide n-gram model and word frequencies,
        # so a Spanish text with a Portuguese-looking trigram profile is not sent to the menu.
        ngram = {
            v.language.iso_code_639_1.name.lower(): v.value
            for v in self._latin.wide.compute_language_confidence_values(text)
        }
        others = tuple(
            c for c in sorted(ngram, key=ngram.__getitem__, reverse=True) if c not in ours
        )[:3]
        if not others:
            return None
        word = _word_posterior(words, (*ours, *others), self._latin.words_for)
        joint = {lang: ngram.get(lang, 0.0) * word[lang] for lang in word}
        total = sum(joint.values()) or 1.0
        code = max(joint, key=joint.__getitem__)
        confidence = joint[code] / total
        if code in ours or confidence < 0.9 or not self._latin.words_for(code):
            return None
        return code, round(min(confidence, _LATIN_CAP), 4)


def _word_posterior(
    words: list[str], langs: tuple[str, ...], lists: Callable[[str], dict[str, float]]
) -> dict[str, float]:
    """Naive-Bayes posterior from unigram frequencies; words no list knows are skipped."""
    logs = dict.fromkeys(langs, 0.0)
    for w in words:
        freqs = {lang: lists(lang).get(w, 0.0) for lang in langs}
        if max(freqs.values()) == 0.0:
            continue  # a name or a typo: no evidence
        for lang in langs:
            logs[lang] += math.log(max(freqs[lang], _UNSEEN))
    top = max(logs.values())
    exp = {lang: math.exp(v - top) for lang, v in logs.items()}
    total = sum(exp.values())
    return {lang: v / total for lang, v in exp.items()}


def _foreign_letters(words: list[str]) -> tuple[str, int] | None:
    """The language whose distinctive letters appear in the most words, and in how many."""
    hits: Counter[str] = Counter()
    for w in words:
        for letters, code in _FOREIGN_LATIN:
            if any(ch in letters for ch in w):
                hits[code] += 1
                break
    return hits.most_common(1)[0] if hits else None


def _script_counts(text: str) -> Counter[str]:
    """Letters per script, with hiragana and katakana counted together as kana."""
    counts: Counter[str] = Counter()
    for ch in text:
        if not ch.isalpha():
            continue
        for script in _SCRIPTS:
            if _SCRIPT_RE[script].match(ch):
                counts["Kana" if script in ("Hiragana", "Katakana") else script] += 1
                break
    return counts


def _owning_script(counts: Counter[str]) -> str | None:
    """Kana, Hangul or Cyrillic when the message has two letters of it (or nothing else)."""
    for script in ("Kana", "Hangul", "Cyrillic"):
        if counts[script] >= 2 or (counts[script] and sum(counts.values()) == counts[script]):
            return script
    return None


def _dominant(counts: Counter[str]) -> str:
    """The script that carries the message; kana anywhere makes Han text Japanese."""
    if counts["Kana"]:
        counts = counts.copy()
        counts["Kana"] += counts.pop("Han", 0)
    weighted = {
        s: n * (_DENSE_WEIGHT if s in ("Han", "Kana", "Hangul", "Bopomofo") else 1)
        for s, n in counts.items()
        if n
    }
    if "Bopomofo" in weighted:  # zhuyin is written with Han text, in Taiwan
        weighted["Han"] = weighted.get("Han", 0) + weighted.pop("Bopomofo")
    return max(sorted(weighted), key=weighted.__getitem__)


def platform_locale(code: str | None) -> str | None:
    """Telegram/WeChat language codes → our locale: en-US→en, zh-hans/zh-cn/zh-sg/zh→zh_Hans,
    zh-hant/zh-tw/zh-hk/zh-mo→zh_Hant, ja, ko, fr-CA→fr, de-AT→de, es-MX→es, ru, pt-br→None;
    WeChat sends zh_CN/zh_TW/zh_HK/en too."""
    if not code:
        return None
    parts = code.strip().replace("_", "-").lower().split("-")
    if parts[0] == "zh":
        return "zh_Hant" if {"hant", "tw", "hk", "mo"} & set(parts[1:]) else "zh_Hans"
    return parts[0] if parts[0] in ("en", "ja", "ko", "fr", "de", "es", "ru") else None
