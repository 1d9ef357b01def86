"""Tokens and normalisation built by the regex engine and C loops are the same as the
per-character Python loops they replaced (BM25 reads all of a long message now)."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.lexical import _CJK, _HANGUL, _TOKEN, normalise, word_tokens


def _normalise_by_character(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    out = []
    for ch in text:
        if "\u00c0" <= ch <= "\u024f":
            ch = unicodedata.normalize("NFKD", ch)[0]
        out.append(ch)
    return "".join(out)


def _word_tokens_by_slices(text: str) -> list[str]:
    tokens: list[str] = []
    for run in _TOKEN.findall(_normalise_by_character(text)):
        first = run[0]
        if re.match(rf"[{_CJK}]", first):
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        elif re.match(rf"[{_HANGUL}]", first):
            tokens.append(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return tokens


CHAT = st.text(
    alphabet=st.sampled_from([*"aZéÉßłŁøđĳǅ医院の学カナ한국어Привет Ёё1２３.,ＡＢ", "ﬁ", "Å"]),
    max_size=60,
)


@settings(max_examples=3000, deadline=None)
@given(CHAT)
def test_the_same_normalisation_and_tokens(text: str) -> None:
    assert normalise(text) == _normalise_by_character(text)
    assert word_tokens(text) == _word_tokens_by_slices(text)
