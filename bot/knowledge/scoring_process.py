"""FAQ encoding and scoring in a process of their own, beside the server's.

In threads, this work shares the server process's GIL with the event loop: under load the
loop held it most of the time, so each encoding or scoring call waited for it between its
numpy steps (wall time three times its CPU time), the two CPU threads were always busy, and
a question queued ~300 ms before its turn (bench/chat_load.py, 50 users, SQLite). In a
process of its own the work runs on the second core, and the loop keeps its own.

The child builds the same knowledge base (faq/, the vector cache, the encoders) and answers
batches of questions with their vectors and entry scores. Every batch carries the parent's
content hash and overlay (the alternates staff added): a child that is behind re-reads
faq/ and applies the overlay first, and a batch it still cannot match comes back empty, so
the parent scores it itself (in its thread pool, as without the process). So does every
question while the child starts, and after it died (it is started again).

Questions are sent in batches, one batch at a time (core/batching.py): what arrives while
the child works goes together when it returns, one trip and one model call.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.core.batching import MicroBatcher
from bot.knowledge.embedding import MAX_BATCH, WINDOW_SECONDS, QueryVectors
from bot.knowledge.index import EntryScores

log = logging.getLogger(__name__)
RESTART_PAUSE = 30.0  # seconds before a child that died is started again

Scored = tuple[QueryVectors, EntryScores]


@dataclass(frozen=True)
class ChildConfig:
    faq_dir: Path
    encoder_setting: str
    cache_dir: Path | None
    log_level: str = "WARNING"


class ScoringProcess:
    """The parent's side: `await score(content_hash, overlay, text)`; None when the child
    cannot answer (starting, behind, gone): the caller then scores in-process."""

    def __init__(self, config: ChildConfig, build: Callable[[ChildConfig], ChildKnowledge]) -> None:
        self.config = config
        self.build = build  # module-level, so the child can import it by name
        self._executor: ProcessPoolExecutor | None = None
        self._ready = False
        self._failed_at = 0.0
        self._batcher: MicroBatcher[tuple[str, Any], str, Scored | None] = MicroBatcher(
            self._score_batch, window=WINDOW_SECONDS, max_batch=MAX_BATCH
        )
        self.encodings = 0  # for tests and benchmarks: batches encoded

    @property
    def ready(self) -> bool:
        return self._ready

    def usable(self) -> bool:
        """Ready to score; a child that died is started again (at most every RESTART_PAUSE)."""
        if not self._ready:
            self._maybe_restart()
        return self._ready

    def start(self) -> None:
        """Spawn the child (it loads in the background; questions are scored in-process
        until it has)."""
        if self._executor is not None:
            return
        context = multiprocessing.get_context("spawn")  # no threads or sockets inherited
        self._executor = ProcessPoolExecutor(
            max_workers=1,
            mp_context=context,
            initializer=_child_init,
            initargs=(self.config, self.build),
        )
        started = self._executor.submit(_child_ready)
        started.add_done_callback(self._started)

    def _started(self, future: Any) -> None:
        try:
            future.result()
        except Exception as exc:  # the child could not load: stay in-process
            log.warning("FAQ scoring process did not start (%r); scoring in-process", exc)
            self._broken()
            return
        self._ready = True
        log.info("FAQ scoring process ready")

    def stop(self) -> None:
        """At shutdown: the child finishes its batch (milliseconds) and exits."""
        self._ready = False
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    @property
    def batches(self) -> int:
        """Batches scored (for tests and benchmarks)."""
        return self._batcher.batches

    async def score(self, content_hash: str, overlay: Any, text: str) -> Scored | None:
        if not self.usable():
            return None
        # One batch, one version of the knowledge base (its hash and the staff overlay).
        return await self._batcher.submit((content_hash, overlay), text)

    async def encode(self, texts: list[str]) -> list[QueryVectors] | None:
        """Texts' vectors (the Embedder batches them already); None if the child cannot."""
        executor = self._executor
        if executor is None or not self._ready:
            return None
        try:
            found = await asyncio.wrap_future(executor.submit(_child_encode, texts))
            self.encodings += 1
            return found
        except Exception as exc:
            log.warning("FAQ scoring process failed to encode (%r); encoding in-process", exc)
            if isinstance(exc, BrokenProcessPool):
                self._broken()
            return None

    async def _score_batch(self, key: tuple[str, Any], texts: list[str]) -> list[Scored | None]:
        content_hash, overlay = key
        executor = self._executor
        found: list[Scored] | None = None
        if executor is not None:
            try:
                found = await asyncio.wrap_future(
                    executor.submit(_child_score, content_hash, overlay, texts)
                )
            except Exception as exc:
                log.warning("FAQ scoring process failed a batch (%r); scoring in-process", exc)
                if isinstance(exc, BrokenProcessPool):
                    self._broken()
        if found is None:  # the parent scores these itself
            return [None] * len(texts)
        return list(found)

    def _broken(self) -> None:
        self._ready = False
        self._failed_at = time.monotonic()
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def _maybe_restart(self) -> None:
        if (
            self._executor is None
            and self._failed_at
            and (time.monotonic() - self._failed_at >= RESTART_PAUSE)
        ):
            self._failed_at = 0.0
            log.info("starting the FAQ scoring process again")
            self.start()


# --- the child --------------------------------------------------------------------------------


class ChildKnowledge(Protocol):
    """What the child scores with: the knowledge base (bot/knowledge/base.py builds it and
    hands this module its builder, so this module imports nothing above it)."""

    @property
    def content_hash(self) -> str: ...
    def reload(self) -> Any: ...
    def set_overlay(self, overlay: Any) -> bool: ...
    def score_batch(self, texts: list[str]) -> list[Scored]: ...
    def encode_texts(self, texts: list[str]) -> list[QueryVectors]: ...


_knowledge: ChildKnowledge | None = None


def _child_init(config: ChildConfig, build: Callable[[ChildConfig], ChildKnowledge]) -> None:
    global _knowledge
    logging.basicConfig(level=config.log_level, format="%(levelname)s scoring: %(message)s")
    _knowledge = build(config)


def _child_ready() -> bool:
    return _knowledge is not None


def _child_score(content_hash: str, overlay: Any, texts: list[str]) -> list[Scored] | None:
    kb = _knowledge
    assert kb is not None
    if kb.content_hash != content_hash:
        kb.reload()  # faq/ changed on disk (a no-op when it did not)
        kb.set_overlay(overlay)
        if kb.content_hash != content_hash:
            return None  # still not the parent's version (mid-edit): the parent scores
    return kb.score_batch(texts)


def _child_encode(texts: list[str]) -> list[QueryVectors]:
    assert _knowledge is not None
    return _knowledge.encode_texts(texts)


def child_config(settings: Any) -> ChildConfig:
    return ChildConfig(
        settings.faq_dir, settings.faq_encoder, settings.faq_cache_dir, settings.log_level
    )
