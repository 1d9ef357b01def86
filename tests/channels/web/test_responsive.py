"""The event loop stays responsive: /healthz answers while long messages are being handled.

Twenty residents paste 4,000 Chinese characters at once. Detecting the language of such a
text, encoding it and scoring it against the FAQ take tens to hundreds of milliseconds of
CPU each; run on the event loop, they held /healthz for seconds (issue 15). They run in the
CPU pool, so a probe every 20 ms must keep answering within 100 ms.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.channels.webchat.channel import WebChatChannel
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.web.app import create_web_app

STORY = (
    "我们一家上个月刚从国外搬到长宁区古北，孩子今年六岁，想在附近上公立小学。"
    "我们不太清楚需要准备哪些材料，也不知道要去哪里报名，请问学校会要求哪些证明文件？"
)
BOUND = 0.100


TOKEN = "responsive-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}  # a trusted integration names its users


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webchat_api_token": SecretStr(TOKEN)})


@pytest.fixture
async def client(dispatcher: Dispatcher) -> AsyncIterator[TestClient]:
    app = create_web_app(dispatcher, WebChatChannel(dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


def long_text(n: int) -> str:
    text = f"第{n}位居民：" + STORY * 60  # a different text each: nothing is remembered
    return text[:4000]


async def test_healthz_answers_within_100ms_during_a_burst_of_long_messages(
    client: TestClient,
) -> None:
    warm = await client.post(
        "/api/chat", json={"user": "warm", "text": "孩子怎么上学？"}, headers=AUTH
    )  # the models load
    assert warm.status == 200
    probes: list[float] = []
    done = asyncio.Event()

    async def probe() -> None:
        while not done.is_set():
            start = time.perf_counter()
            resp = await client.get("/healthz")
            assert resp.status == 200
            probes.append(time.perf_counter() - start)
            await asyncio.sleep(0.02)

    async def burst() -> list[int]:
        try:
            posts = [
                client.post(
                    "/api/chat", json={"user": f"long{n}", "text": long_text(n)}, headers=AUTH
                )
                for n in range(20)
            ]
            return [r.status for r in await asyncio.gather(*posts)]
        finally:
            done.set()

    started = time.perf_counter()
    statuses, _ = await asyncio.gather(burst(), probe())
    took = time.perf_counter() - started
    assert statuses == [200] * 20
    assert len(probes) >= 3, f"the burst took {took:.2f} s: too short to say anything"
    slow = [round(p * 1000) for p in probes if p > BOUND]
    # A few probes may meet a scheduler hiccup on a busy shared machine; work on the loop
    # stalls most of them, for hundreds of milliseconds each (it did before issue 15).
    assert len(slow) <= len(probes) // 10, f"/healthz over 100 ms: {slow} of {len(probes)}"
    # Work on the loop shows as long stalls (0.8–1.7 s before issue 15): none may come close.
    assert max(probes) < 5 * BOUND, f"/healthz stalled {max(probes) * 1000:.0f} ms"
