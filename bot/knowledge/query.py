"""The parts of a chat message that retrieval looks at besides the whole text.

People write a situation before their question ("We just moved from Toronto… Which grade
would she go into?") and drop terms of another script into a sentence ("C'est le 社区医院
qui fait les rappels de vaccins ?"). The whole message keeps the situation's signal; the
question sentence says what is asked; the embedded term is matched against the phrasings
written in its own script. Each part is scored like a message, and the re-ranker
(rerank.py) weighs the three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_KANA = r"\u3040-\u30ff"
_HANGUL = r"\uac00-\ud7af\u1100-\u11ff\u3130-\u318f"
_CYRILLIC = r"\u0400-\u04ff"
_LATIN = r"A-Za-z\u00c0-\u024f"
# Sentence ends in the scripts we read; a line break ends a chat "sentence" too.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*|\n+")
_QUESTION = re.compile(r"[?？]|\b(how|what|where|when|which|who|can|do|does|is|are)\b", re.I)
_RUNS = {
    "han": re.compile(rf"[{_HAN}]{{2,}}"),
    "latin": re.compile(rf"[{_LATIN}][{_LATIN}'’-]{{2,}}"),
}
# What retrieval's sentence encoders and the emergency guard's sentence vectors read of a
# long message: its beginning and its end, where a situation is told and the question
# asked, and the last short sentence between them that asks something (people ask in the
# middle too, then go on). Encoding 4,000 characters costs fifty times more than a
# question; the whole text is still what BM25 and the guard's phrase lists read and what
# staff see among the unanswered questions.
# Counted in characters, a Chinese window holds more words than an English one and costs
# more to encode. A window counting Han, kana and Hangul three times as much halved that
# cost, but on a held-out set of 90 long messages it answered 50 of 72 in scope instead of
# 59 (ja, ko, zh_Hant: 17 of 24 fewer read whole) and refused 14 of 18 out of scope
# instead of 17: characters it is.
WINDOW_CHARS = 600


def reading_window(text: str) -> str:
    """All of a chat-length message; of a long one, its beginning and its end, and the
    last sentence between them that asks something (when there is one, and it is short)."""
    text = text.strip()
    if len(text) <= WINDOW_CHARS:
        return text
    half = WINDOW_CHARS // 2
    head, middle, tail = text[:half], text[half:-half], text[-half:]
    asked = _asking_sentence(middle)
    if asked is None:
        return f"{head} … {tail}"
    return f"{head} … {asked} … {tail}"


# The longest question sentence the window takes from a long message's middle: longer,
# it is more story than question, and it would double what the encoders read.
MAX_ASKED_CHARS = 200


def _asking_sentence(middle: str) -> str | None:
    """The last whole sentence of a long message's middle that asks something."""
    sentences = [s.strip() for s in _SENTENCE_END.split(middle) if s and s.strip()]
    whole = sentences[1:-1]  # the first and last are cut by the window's edges
    asking = [s for s in whole if _QUESTION.search(s) and len(s) <= MAX_ASKED_CHARS]
    return asking[-1] if asking else None


# A long message: below this the whole text is the question.
MIN_CONTEXT_CHARS = 60
MIN_QUESTION_CHARS = 6


@dataclass(frozen=True)
class MessageParts:
    """`question`: the sentence that asks, when the message also tells a situation;
    `embedded`: terms written in another script than the message's own, joined."""

    question: str | None
    embedded: str | None

    def texts(self) -> tuple[str, ...]:
        return tuple(t for t in (self.question, self.embedded) if t)


def message_parts(text: str) -> MessageParts:
    stripped = text.strip()
    return MessageParts(question_sentence(stripped), embedded_terms(stripped))


def question_sentence(text: str) -> str | None:
    """The last sentence that asks something, in a message with more than one sentence."""
    if len(text) < MIN_CONTEXT_CHARS:
        return None
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
    if len(sentences) < 2:
        return None
    asking = [s for s in sentences if _QUESTION.search(s)]
    chosen = (asking or sentences)[-1]
    # "How and when?" alone says little: take the sentence before it too.
    if len(chosen) < MIN_QUESTION_CHARS * 3 and len(sentences) >= 2:
        i = sentences.index(chosen)
        chosen = " ".join(sentences[max(0, i - 1) : i + 1])
    return chosen if len(chosen) >= MIN_QUESTION_CHARS and chosen != text else None


def embedded_terms(text: str) -> str | None:
    """Han terms inside Latin, Cyrillic or Hangul text, or Latin words inside Chinese.

    Kana makes Han part of Japanese itself, so Japanese text has no embedded Han terms."""
    han_runs = _RUNS["han"].findall(text)
    # One Han, kana or Hangul character carries about as much as a short Latin word.
    han = 3 * sum(map(len, han_runs))
    others = {
        "kana": 3 * len(re.findall(rf"[{_KANA}]", text)),
        "hangul": 3 * len(re.findall(rf"[{_HANGUL}]", text)),
        "cyrillic": len(re.findall(rf"[{_CYRILLIC}]", text)),
    }
    latin_words = _RUNS["latin"].findall(text)
    latin = sum(map(len, latin_words))
    if others["kana"] or not han:
        return None
    if han < latin + others["hangul"] + others["cyrillic"]:
        found = han_runs
    elif latin_words and not others["hangul"] and not others["cyrillic"]:
        found = latin_words
    else:
        return None
    joined = " ".join(found)
    return joined if joined and joined != text else None
