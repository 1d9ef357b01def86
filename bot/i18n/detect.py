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

import math
from collections import Counter
from collections.abc import Callable
from typing import Final

import regex

from bot.i18n.detection import NO_SIGNAL, Detection
from bot.i18n.han_models import (
    CHINESE_GRAMMAR,
    CHINESE_PHRASES,
    HAN_RE,
    HAN_RUN_RE,
    han_models,
)
from bot.i18n.latin_models import LATIN_LOCALES, LINGUA_OTHERS, latin_models
from bot.i18n.romanised import (
    ROMANISED_CONFIDENCE,
    cyrillic_text,
    looks_like_romaji,
    russian_share,
)

__all__ = ["Detection", "LanguageDetector", "platform_locale"]


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
# The letters of each script, counted by the regex engine (a loop over the characters in
# Python cost ~0.1 ms a question). \p{L} is str.isalpha's set; scripts do not overlap.
_SCRIPT_LETTER_RE: Final = {
    s: regex.compile(rf"[\p{{Script={s}}}&&\p{{L}}]", regex.V1) for s in _SCRIPTS
}
_LETTER_RE: Final = regex.compile(r"\p{L}")
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
_FOREIGN_LETTER_RE: Final = regex.compile(f"[{''.join(ls for ls, _ in _FOREIGN_LATIN)}]")

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

# An address starts where its run of non-spaces starts ((?<!\S)): unanchored, \S+@ was tried
# from every character of a long run without spaces (Chinese is written without them) and
# took 33 ms for 4,000 characters; a match can only start there anyway, so the matches are
# the same (tests/i18n/test_detect_speed.py).
_URL_RE: Final = regex.compile(
    r"(?:https?://|www\.)\S+|(?<!\S)\S+@\S+\.\w+|(?<!\S)[/@#]\w+(?:@\w+)?"
)
_NUMERIC_RE: Final = regex.compile(r"(?<!\p{L})\d[\d:.,/\-]*\p{Latin}{0,3}(?!\p{L})")
_WORD_RE: Final = regex.compile(r"\p{L}+")
_CYRILLIC_WORD_RE: Final = regex.compile(r"\p{Script=Cyrillic}+")
_TOKEN_RE: Final = regex.compile(r"\p{L}+(?:['’]\p{L}+)*")  # keeps "jing'an" and "l'école" whole
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
_COMMON_WORD: Final = 2e-5  # "ka", "wa" and "ii" are in the English list, but rarely written


_REMEMBERED: Final = 512
_DETECTED: dict[str, Detection] = {}
# What detection reads of a long message: its first and last characters. Its language shows
# in any thousand characters, and the cost grows with the length (a 4,000-character message
# took 6 ms, a 2,000-character English one 8 ms). On 180 held-out long messages (400-2,500
# characters, nine locales) the reply language was right for all 180 either way.
_READ_HEAD: Final = 600
_READ_TAIL: Final = 400


class LanguageDetector:
    """Detects the locale of chat messages; create one at start-up (models load here, once)."""

    def __init__(self) -> None:
        self._latin = latin_models()
        self._han = han_models()

    def preload(self) -> None:
        """Load the word lists of every language that may be flagged as unsupported now
        (about a second and 20 MiB), not in the middle of someone's message; before
        `serve --workers` forks, so the workers share them."""
        for language in LINGUA_OTHERS:
            self._latin.words_for(language.iso_code_639_1.name.lower())

    def detect(self, text: str) -> Detection:
        """Detect the language of one message; deterministic and free of I/O, so the last
        few hundred texts' results are remembered: the locale resolver, the FAQ (romanised
        Russian) and the guards each ask about the same message."""
        found = _DETECTED.get(text)
        if found is None:
            found = self._detect(_read_of(text))
            if len(_DETECTED) >= _REMEMBERED:
                _DETECTED.clear()  # whole: a plain dict stays safe across the CPU pool's threads
            _DETECTED[text] = found
        return found

    def remembered(self, text: str) -> Detection | None:
        """`detect`'s result if this text was detected lately (no work otherwise)."""
        return _DETECTED.get(text)

    def _detect(self, text: str) -> Detection:
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
        return self._latin_text(HAN_RE.sub(" ", cleaned))

    def _frame(self, text: str, weighted: str) -> str:
        """Which script a Han + Latin message is written in. Chinese terms inside a French
        sentence ("C'est le 社区医院 qui…") carry no Chinese grammar; English words inside a
        Chinese sentence ("有没有适合 adult 的 class") sit in one. Without grammar words in
        either, the weighted letter counts decide."""
        han = "".join(HAN_RUN_RE.findall(text))
        if any(c in CHINESE_GRAMMAR for c in han) or any(w in han for w in CHINESE_PHRASES):
            return "Han"
        latin = [
            w
            for w in _TOKEN_RE.findall(HAN_RE.sub(" ", text).casefold())
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
        # Only the Cyrillic words are witnesses: the English terms of a code-switched Russian
        # message ("медосмотр для work permit") are not another language Linzhu lacks.
        words = _CYRILLIC_WORD_RE.findall(text.casefold())
        foreign = self._foreign(" ".join(words), words, ("ru",))
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


def _read_of(text: str) -> str:
    """All of a chat-length text; of a long one, its beginning and its end."""
    if len(text) <= _READ_HEAD + _READ_TAIL:
        return text
    return f"{text[:_READ_HEAD]}\n{text[-_READ_TAIL:]}"


def _word_posterior(
    words: list[str], langs: tuple[str, ...], lists: Callable[[str], dict[str, float]]
) -> dict[str, float]:
    """Naive-Bayes posterior from unigram frequencies; words no list knows are skipped."""
    tables = [lists(lang) for lang in langs]
    logs = [0.0] * len(langs)
    for w in words:
        freqs = [table.get(w, 0.0) for table in tables]
        if max(freqs) == 0.0:
            continue  # a name or a typo: no evidence
        for i, f in enumerate(freqs):
            logs[i] += math.log(max(f, _UNSEEN))
    top = max(logs)
    exp = [math.exp(v - top) for v in logs]
    total = sum(exp)
    return {lang: v / total for lang, v in zip(langs, exp, strict=True)}


def _foreign_letters(words: list[str]) -> tuple[str, int] | None:
    """The language whose distinctive letters appear in the most words, and in how many."""
    if not any(map(_FOREIGN_LETTER_RE.search, words)):
        return None  # the usual case, found without a loop over letters in Python
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
    left = len(_LETTER_RE.findall(text))
    for script, pattern in _SCRIPT_LETTER_RE.items():
        if not left:  # every letter counted: the other scripts have none (most texts stop
            break  # after one or two of the 28)
        if n := len(pattern.findall(text)):
            counts["Kana" if script in ("Hiragana", "Katakana") else script] += n
            left -= n
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
