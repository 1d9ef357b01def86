"""BM25's Cyrillic word prefixes: Russian cases meet, other scripts are untouched."""

from __future__ import annotations

from bot.knowledge.lexical import STEM, Bm25, stemmed_tokens, word_tokens


def test_russian_cases_share_a_prefix() -> None:
    a, b = stemmed_tokens("позовите оператора"), stemmed_tokens("нужен оператор")
    assert "~" + "оператор"[:STEM] in a and "~" + "оператор"[:STEM] in b
    assert "оператора" in a  # the word itself still counts


def test_short_words_and_other_scripts_get_no_prefix() -> None:
    for text in ("мне нужно", "registration of residence", "住宿登记", "주숙등기 서류"):
        assert stemmed_tokens(text) == word_tokens(text), text


def test_inflected_russian_finds_its_document() -> None:
    docs = ["живой оператор сотрудник", "медицинская страховка для семьи", "школа документы"]
    bm = Bm25(docs)
    scores = bm.scores("позовите живого оператора")
    assert scores.argmax() == 0 and scores[0] > 0
    # Without prefixes the inflected message shares no word with the first document.
    assert "оператора" not in word_tokens(docs[0])
