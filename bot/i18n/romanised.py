"""Japanese and Russian typed in Latin letters ("nihongo no wakaru isha", "kak pomenyat yazyk").

People on a borrowed phone or a foreign keyboard romanise their own language. Letter
statistics then name some Latin-script language (romaji looks Spanish, translit Czech), so
both are recognised on their own terms first:
- romaji: every word splits into Japanese syllables, and the text has the particles and
  verb endings Japanese sentences are built from (no, ni, wa, desu, -masu, -tai);
- Russian translit: transliterated back to Cyrillic, the words are Russian words.
A guess of this kind is never strong enough to switch a conversation already under way
(its confidence stays under the policy's switch threshold); it decides a first message.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping
from typing import Final

# Hepburn and Kunrei syllables: optional consonant (or digraph), optional y, vowel; n; and
# a doubled consonant before the next syllable (kitte, zasshi).
_ROMAJI_WORD: Final = re.compile(
    r"(?:(?:[kgsztdnhbpmyrwfjv]|ch|sh|ts|dz)?y?[aiueo]|n(?![aiueoy])|[kstpgdbcj](?=[kstpgdbcj]))+",
)
# Words Japanese sentences cannot do without; a text needs several of them.
_JAPANESE_GLUE: Final = frozenset(
    ["no", "ni", "wa", "ga", "wo", "o", "de", "to", "mo", "ka", "ne", "yo", "kedo", "kara",
     "made", "desu", "da", "deshita", "masu", "mashita", "masen", "nai", "tai", "shitai",
     "dekiru", "arimasu", "imasu", "kudasai", "onegai", "nan", "nani", "doko", "itsu", "dou",
     "ii"]
)  # fmt: skip
_JAPANESE_ENDINGS: Final = ("masu", "mashita", "masen", "tai", "desu", "nai", "tte", "kute")
ROMANISED_CONFIDENCE: Final = 0.65  # under the policy's switch threshold (0.7)

# Latin → Cyrillic, longest first; several readings where translit is ambiguous.
_TRANSLIT: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("shch", ("щ",)), ("sch", ("щ", "ш")), ("zh", ("ж",)), ("kh", ("х",)), ("ch", ("ч",)),
    ("sh", ("ш",)), ("ts", ("ц", "тс")), ("yu", ("ю",)), ("ya", ("я",)), ("yo", ("ё", "йо")),
    ("ye", ("е",)), ("ju", ("ю",)), ("ja", ("я",)), ("iy", ("ий", "ый")), ("yy", ("ый",)),
    ("a", ("а",)), ("b", ("б",)), ("v", ("в",)), ("g", ("г",)), ("d", ("д",)),
    ("e", ("е", "э")), ("z", ("з",)), ("i", ("и", "й")), ("y", ("ы", "й")), ("k", ("к",)),
    ("l", ("л",)), ("m", ("м",)), ("n", ("н",)), ("o", ("о",)), ("p", ("п",)), ("r", ("р",)),
    ("s", ("с",)), ("t", ("т",)), ("u", ("у",)), ("f", ("ф",)), ("h", ("х",)),
    ("c", ("ц", "к")), ("w", ("в",)), ("x", ("кс",)), ("j", ("й", "ж")), ("q", ("к",)),
    ("'", ("",)),
)  # fmt: skip
_MAX_READINGS: Final = 48


def looks_like_romaji(words: list[str]) -> bool:
    """Every word is Japanese syllables and the text has Japanese grammar words."""
    if len(words) < 2 or not all(_ROMAJI_WORD.fullmatch(w) for w in words):
        return False
    glue = sum(w in _JAPANESE_GLUE for w in words)
    endings = sum(w.endswith(_JAPANESE_ENDINGS) and len(w) > 4 for w in words)
    return glue + endings >= 2 and glue >= 1


def without_signs(word: str) -> str:
    """Russian as translit writes it: no soft or hard sign (bolshoe for большое), ё as е."""
    return word.replace("ь", "").replace("ъ", "").replace("ё", "е")


def cyrillic_readings(word: str) -> list[str]:
    """Possible Cyrillic spellings of a transliterated word, without soft and hard signs."""
    pieces: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        for latin, cyrillic in _TRANSLIT:
            if word.startswith(latin, i):
                pieces.append(cyrillic)
                i += len(latin)
                break
        else:
            return []
    readings = itertools.islice(itertools.product(*pieces), _MAX_READINGS)
    return [without_signs("".join(r)) for r in readings]


def russian_share(words: list[str], is_russian: Callable[[str], bool]) -> float:
    """The share of words that read back as Russian words; `is_russian` takes a word
    without soft and hard signs (`without_signs`)."""
    if not words:
        return 0.0
    known = sum(any(is_russian(r) for r in cyrillic_readings(w)) for w in words)
    return known / len(words)


def cyrillic_text(text: str, vocabulary: Mapping[str, str]) -> str:
    """`text` with each romanised word replaced by the first Russian word it reads as
    (`vocabulary`: sign-less spelling → usual spelling, commonest first); others kept."""

    def word(match: re.Match[str]) -> str:
        latin = match.group(0)
        for reading in cyrillic_readings(latin.lower()):
            if reading in vocabulary:
                return vocabulary[reading]
        return latin

    return _LATIN_WORD.sub(word, text)


_LATIN_WORD: Final = re.compile(r"[A-Za-z']+")
