"""Small talk: is this message only a greeting, thanks, "ok", a goodbye, "are you a bot?"…

A phrase list per locale (bot/guided/smalltalk.yaml), no model: a message is small talk when,
after normalising, it is short and made entirely of listed phrases. Chinese, Japanese and
Korean are compared character by character, whatever the spacing; other scripts word by
word. Emoji-only messages ("👍", "🙏") count too.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import regex
import yaml

PHRASES_FILE = Path(__file__).with_name("smalltalk.yaml")
MAX_CHARS = 40  # after normalising: longer messages are questions, not small talk
MAX_PHRASES = 4  # "ok thanks bye" is three


class Kind(StrEnum):
    """What the resident said; the order is the reply's priority when a message has several."""

    CREATOR = "creator"
    BOT = "bot"
    GOODBYE = "goodbye"
    THANKS = "thanks"
    GREETING = "greeting"
    ACK = "ack"


PRIORITY = list(Kind)
# Emoji people send on their own, read as the words they stand for.
EMOJI = {"🙏": "thanks", "👋": "hi", "👍": "ok", "👌": "ok", "✅": "ok"}

_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}ー"
_TOKEN = regex.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
_NOT_WORD = regex.compile(r"[\p{P}\p{S}\p{M}\p{C}]+")
_REPEAT = regex.compile(rf"([^\s{_CJK}])\1{{2,}}")  # "thanksss", "okkk" (not 谢谢谢谢)


@dataclass(frozen=True)
class SmallTalk:
    kind: Kind
    phrases: tuple[str, ...]  # the phrases found, normalised (for tests and logs)


def normalise(text: str) -> str:
    """Lower case, full-width → ASCII, accents and punctuation removed, spaces collapsed."""
    for emoji, word in EMOJI.items():
        text = text.replace(emoji, f" {word} ")
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = "".join(ch for ch in text if not 0x300 <= ord(ch) <= 0x36F)
    text = unicodedata.normalize("NFKC", text)
    text = _NOT_WORD.sub(" ", text.replace("'", "").replace("’", ""))
    return " ".join(_REPEAT.sub(r"\1", text).split())


def tokens(text: str) -> tuple[str, ...]:
    """CJK characters one by one, other words whole (text already normalised)."""
    return tuple(_TOKEN.findall(text))


@lru_cache(maxsize=1)
def phrase_table(path: Path = PHRASES_FILE) -> dict[tuple[str, ...], Kind]:
    """Every phrase of every locale as tokens → its kind (the first kind listed wins)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    table: dict[tuple[str, ...], Kind] = {}
    for kind_name, by_locale in data.items():
        kind = Kind(kind_name)
        for phrases in by_locale.values():
            for phrase in phrases:
                if not isinstance(phrase, str):  # a bare `no` in YAML is False
                    raise ValueError(f"{path.name}: {kind_name}: quote {phrase!r}")
                key = tokens(normalise(phrase))
                if key:
                    table.setdefault(key, kind)
    return table


def recognise(text: str) -> SmallTalk | None:
    """The small talk `text` is, or None when it is (also) anything else."""
    if not text or len(text) > MAX_CHARS * 3:
        return None
    normal = normalise(text)
    if not normal:
        return SmallTalk(Kind.ACK, (text.strip(),)) if _only_emoji(text) else None
    if len(normal) > MAX_CHARS:
        return None
    found = _cover(tokens(normal), phrase_table())
    if found is None:
        return None
    kinds = {kind for _phrase, kind in found}
    kind = min(kinds, key=PRIORITY.index)
    return SmallTalk(kind, tuple(" ".join(phrase) for phrase, _kind in found))


def _cover(
    words: tuple[str, ...], table: dict[tuple[str, ...], Kind]
) -> list[tuple[tuple[str, ...], Kind]] | None:
    """The fewest listed phrases that make up `words` exactly (at most MAX_PHRASES)."""
    longest = max((len(k) for k in table), default=0)
    best: list[list[tuple[tuple[str, ...], Kind]] | None] = [None] * (len(words) + 1)
    best[0] = []
    for end in range(1, len(words) + 1):
        for start in range(max(0, end - longest), end):
            before = best[start]
            kind = table.get(words[start:end])
            if before is None or kind is None or len(before) >= MAX_PHRASES:
                continue
            candidate = [*before, (words[start:end], kind)]
            current = best[end]
            if current is None or len(candidate) < len(current):
                best[end] = candidate
    return best[len(words)] if words else None


def _only_emoji(text: str) -> bool:
    """Pictographs and their modifiers only ("😊", "👍🏻", "❤️"), at least one of them."""
    stripped = "".join(text.split())
    return bool(stripped) and all(
        unicodedata.category(ch) in {"So", "Sk", "Mn", "Cf"} or ch in "\ufe0f" for ch in stripped
    )
