"""Phrasing vectors cached on disk, keyed by a hash of the texts and the encoder.

Embedding every phrasing takes seconds (USE) to minutes (e5) on one core; with the
cache, start-up only reads one .npy file. When staff edit a file, only phrasings that
are new are encoded: the previous cache is reused text by text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.knowledge.encoders import Encoder

log = logging.getLogger(__name__)


def texts_hash(encoder_name: str, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(encoder_name.encode() + b"\0")
    for text in texts:
        digest.update(text.encode() + b"\0")
    return digest.hexdigest()


def cached_vectors(encoder: Encoder, texts: Sequence[str], cache_dir: Path | None) -> np.ndarray:
    """Vectors for `texts` (one row each), from the cache when it matches."""
    key = texts_hash(encoder.name, texts)
    if cache_dir is None:
        return _encode(encoder, texts)
    meta_path = cache_dir / f"{encoder.name}.json"
    data_path = cache_dir / f"{encoder.name}.npy"
    old_texts: list[str] = []
    old: np.ndarray | None = None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        old = np.load(data_path, allow_pickle=False)
        old_texts = list(meta["texts"])
        if meta.get("hash") == key and old.shape[0] == len(texts):
            return old
    except (OSError, ValueError, KeyError):
        old = None
    known = {t: i for i, t in enumerate(old_texts)} if old is not None else {}
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    log.info("encoding %d new FAQ phrasings with %s", len(missing), encoder.name)
    fresh = _encode(encoder, missing) if missing else None
    fresh_at = {t: i for i, t in enumerate(missing)}
    rows = []
    for text in texts:
        if text in fresh_at and fresh is not None:
            rows.append(fresh[fresh_at[text]])
        else:
            assert old is not None
            rows.append(old[known[text]])
    vectors = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 1), np.float32)
    _save(cache_dir, meta_path, data_path, key, texts, vectors)
    return vectors


def _encode(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    if not texts:
        return np.zeros((0, 1), np.float32)
    return np.asarray(encoder.encode_passages(texts), dtype=np.float32)


def _save(
    cache_dir: Path,
    meta_path: Path,
    data_path: Path,
    key: str,
    texts: Sequence[str],
    vectors: np.ndarray,
) -> None:
    """Write both files atomically so a crash or a second worker never sees half a cache."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_dir, suffix=".npy", delete=False) as f:
            np.save(f, vectors, allow_pickle=False)
        os.replace(f.name, data_path)
        with tempfile.NamedTemporaryFile(
            "w", dir=cache_dir, suffix=".json", delete=False, encoding="utf-8"
        ) as g:
            json.dump({"hash": key, "texts": list(texts)}, g, ensure_ascii=False)
        os.replace(g.name, meta_path)
    except OSError as exc:
        log.warning("could not write the FAQ vector cache in %s: %s", cache_dir, exc)
