"""A message's sentence vectors, computed once and shared (the emergency guard and the FAQ).

Encoding runs off the event loop (the scoring process, or the CPU pool). Messages that
arrive within a few milliseconds of each other are encoded together (core/batching.py). The
last few hundred messages' vectors are remembered by text, so the guard's look at a
message and the FAQ's answer to it pay for one encoding.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from bot.core.batching import MicroBatcher
from bot.core.offload import cpu_pool
from bot.knowledge.encoders import Encoder
from bot.knowledge.query import message_parts

WINDOW_SECONDS = 0.003  # how long a message waits for others to share its batch
MAX_BATCH = 32
REMEMBERED = 512


@dataclass(frozen=True)
class QueryVectors:
    """One text's vectors, by encoder name (L2-normalised), and those of its parts (the
    question sentence of a long message, terms in another script: query.message_parts)."""

    text: str
    by_encoder: dict[str, np.ndarray]
    parts: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def get(self, encoder_name: str) -> np.ndarray | None:
        return self.by_encoder.get(encoder_name)

    def part(self, part: str, encoder_name: str) -> np.ndarray | None:
        return self.parts.get(part, {}).get(encoder_name)


def encode_batch(encoders: Callable[[], Sequence[Encoder]], texts: list[str]) -> list[QueryVectors]:
    """Every text and its parts by every live encoder, one model call per encoder
    (synchronous; asking for the live encoders may wait for a model still loading, so it
    runs in the pool)."""
    parts = [message_parts(text).texts() for text in texts]
    flat = list(dict.fromkeys([*texts, *(p for ps in parts for p in ps)]))
    row = {text: i for i, text in enumerate(flat)}
    per_encoder = {e.name: e.encode_queries(flat) for e in encoders()}
    return [
        QueryVectors(
            text,
            {name: vectors[row[text]] for name, vectors in per_encoder.items()},
            {p: {name: v[row[p]] for name, v in per_encoder.items()} for p in text_parts},
        )
        for text, text_parts in zip(texts, parts, strict=True)
    ]


class RemoteEncoder(Protocol):
    def usable(self) -> bool: ...
    async def encode(self, texts: list[str]) -> list[QueryVectors] | None: ...


class Embedder:
    """`await embed(text)`: micro-batched, off the loop, remembered by text."""

    def __init__(
        self,
        encoders: Callable[[], Sequence[Encoder]],
        *,
        window: float = WINDOW_SECONDS,
        max_batch: int = MAX_BATCH,
        remembered: int = REMEMBERED,
    ) -> None:
        self._encoders = encoders  # the live encoders, asked at each batch
        self.remembered = remembered
        self._recent: OrderedDict[str, asyncio.Future[QueryVectors]] = OrderedDict()
        self._batcher: MicroBatcher[None, str, QueryVectors] = MicroBatcher(
            self._encode, window=window, max_batch=max_batch
        )
        self.remote: RemoteEncoder | None = None  # the scoring process, once started
        self.encoded = 0  # texts encoded

    @property
    def batches(self) -> int:
        """Model calls made (for tests and benchmarks)."""
        return self._batcher.batches

    async def embed(self, text: str) -> QueryVectors:
        future = self._recent.get(text)
        if (
            future is not None
            and future.get_loop() is asyncio.get_running_loop()
            and not future.cancelled()
        ):
            self._recent.move_to_end(text)
            return await asyncio.shield(future)
        future = self._batcher.submit(None, text)
        future.add_done_callback(lambda done: self._forget_failure(text, done))
        self._remember(text, future)
        return await asyncio.shield(future)

    def remember(self, vectors: QueryVectors) -> None:
        """Vectors computed elsewhere (the scoring process), for the next `embed` of the
        same text (the emergency guard's)."""
        if vectors.text in self._recent:
            return
        future: asyncio.Future[QueryVectors] = asyncio.get_running_loop().create_future()
        future.set_result(vectors)
        self._remember(vectors.text, future)

    def embed_now(self, text: str) -> QueryVectors:
        """Synchronous, for the command line and benchmarks (no loop, no batching)."""
        return encode_batch(self._encoders, [text])[0]

    def _remember(self, text: str, future: asyncio.Future[QueryVectors]) -> None:
        self._recent[text] = future
        while len(self._recent) > self.remembered:
            self._recent.popitem(last=False)

    def _forget_failure(self, text: str, done: asyncio.Future[QueryVectors]) -> None:
        """A failure is not remembered: the next message with this text retries."""
        if (done.cancelled() or done.exception() is not None) and self._recent.get(text) is done:
            del self._recent[text]

    async def _encode(self, _key: None, texts: list[str]) -> list[QueryVectors]:
        """In the scoring process when there is one (bot/knowledge/scoring_process.py), else
        in this process's CPU pool."""
        self.encoded += len(texts)
        remote = self.remote
        if remote is not None and remote.usable():
            found = await remote.encode(texts)
            if found is not None:
                return found
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(cpu_pool(), encode_batch, self._encoders, texts)
