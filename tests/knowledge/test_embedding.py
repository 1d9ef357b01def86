"""Messages are encoded off the loop, concurrent ones in one batch, each text once."""

from __future__ import annotations

import asyncio

import numpy as np

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.embedding import Embedder


def _embedder(knowledge: KnowledgeBase) -> Embedder:
    return Embedder(lambda: [d.encoder for d in knowledge.index.live_dense()], window=0.01)


async def test_concurrent_messages_share_a_batch(knowledge: KnowledgeBase) -> None:
    embedder = _embedder(knowledge)
    texts = [f"where can my child see a doctor {n}" for n in range(12)]
    results = await asyncio.gather(*(embedder.embed(t) for t in texts))
    assert [r.text for r in results] == texts
    assert embedder.encoded == 12 and embedder.batches == 1
    # Batched vectors are the vectors one text alone gets.
    alone = embedder.embed_now(texts[3])
    for name, vector in alone.by_encoder.items():
        assert np.allclose(vector, results[3].by_encoder[name], atol=1e-4)


async def test_the_same_text_is_encoded_once(knowledge: KnowledgeBase) -> None:
    embedder = _embedder(knowledge)
    first, second = await asyncio.gather(embedder.embed("fire!!"), embedder.embed("fire!!"))
    third = await embedder.embed("fire!!")
    assert first is second is third
    assert embedder.encoded == 1


async def test_decide_uses_the_shared_vectors(knowledge: KnowledgeBase) -> None:
    text = "how old must my son be for primary school"
    query = await knowledge.embed(text)
    assert query is not None
    assert knowledge.decide(text, query=query) == await knowledge.adecide(text)
