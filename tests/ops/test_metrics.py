"""/metrics scraped with the official parser: every family moves when messages flow."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import text

from bot.channels.webchat.channel import WebChatChannel
from bot.config import Settings
from bot.core.channel import Channels
from bot.core.dispatcher import Dispatcher
from bot.core.observe import DEADLINE_MISS, signals
from bot.core.sender import SendResult
from bot.ops import metrics
from bot.ops.metrics import MetricsComponent
from bot.reminders.dispatcher import DispatcherConfig, ReminderDispatcher
from bot.web.app import create_web_app
from fakes.platform import RecordingSender
from tests.reminders.test_reminders import NOTE, make_due

TOKEN = "metrics-token-0123456789"
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}
API = {"Authorization": "Bearer chat-token-0123456789"}
FAST = DispatcherConfig(rate_per_second=1000, poll_seconds=0.05, backoff_seconds=60)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "metrics_token": SecretStr(TOKEN),
            "webchat_api_token": SecretStr("chat-token-0123456789"),
        }
    )


@pytest.fixture
async def client(
    dispatcher: Dispatcher, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestClient]:
    monkeypatch.setattr(metrics, "BACKLOG_CACHE_SECONDS", 0.0)
    component = MetricsComponent(dispatcher.services)
    await component.start()
    app = create_web_app(dispatcher, WebChatChannel(dispatcher), component)
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(client: TestClient) -> Samples:
    resp = await client.get("/metrics", headers=SCRAPE)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    found: Samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def total(samples: Samples, name: str, **labels: str) -> float:
    return sum(
        v
        for (n, ls), v in samples.items()
        if n == name and all((k, val) in ls for k, val in labels.items())
    )


async def say(client: TestClient, user: str, text: str) -> None:
    resp = await client.post("/api/chat", json={"user": user, "text": text}, headers=API)
    assert resp.status == 200, await resp.text()


async def test_metrics_need_the_token(client: TestClient) -> None:
    assert (await client.get("/metrics")).status == 401
    assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401


async def test_metrics_are_off_without_a_token(dispatcher: Dispatcher) -> None:
    dispatcher.services.settings = dispatcher.services.settings.model_copy(
        update={"metrics_token": None}
    )
    app = create_web_app(dispatcher, MetricsComponent(dispatcher.services))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        assert (await c.get("/metrics", headers=SCRAPE)).status == 404


async def test_every_family_moves_when_messages_flow(
    client: TestClient, dispatcher: Dispatcher
) -> None:
    db = dispatcher.services.db
    before = await scrape(client)
    await say(client, "m1", "How do I register my child for primary school?")
    await say(client, "m2", "zxqv blorpt wibble")
    await say(client, "m3", "my husband collapsed and is not breathing")
    await say(client, "m4", "/start")
    ids = await make_due(db, "telegram", 4, prefix="metrics")
    assert ids
    backlog = await scrape(client)
    assert total(backlog, "linzhu_outbox_due") >= 3
    assert total(backlog, "linzhu_outbox_lag_seconds") > 0

    sender = RecordingSender(
        "telegram",
        results=[
            SendResult.sent(),
            SendResult.retry("flood", after=0.01),
            SendResult.failed("blocked"),
            SendResult.retry("timeout"),
        ],
    )
    registry = Channels()
    registry.attach(sender)
    await ReminderDispatcher(db, registry, FAST, renderers=NOTE).run_once()
    # The WeChat adapter emits this itself (tests/channels/wechat/test_routes.py checks it).
    signals.emit(DEADLINE_MISS, channel="wechat")
    async with db.connect() as conn:  # a connection checked out right now
        await conn.execute(text("SELECT 1"))
        during = metrics.DB_POOL_IN_USE._value.get()  # the gauge moves with the pool
    assert during >= 1

    after = await scrape(client)

    for name in (
        "linzhu_messages_total",
        "linzhu_reply_seconds_count",
        "linzhu_faq_top_score_count",
        "linzhu_outbox_due",
        "linzhu_outbox_lag_seconds",
        "linzhu_db_pool_in_use",
    ):
        assert any(n == name for n, _ in after), f"{name} missing from /metrics"

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert moved("linzhu_messages_total", channel="web") >= 4
    assert moved("linzhu_messages_total", outcome="emergency") >= 1
    assert moved("linzhu_messages_total", outcome="flow") >= 1
    assert (
        moved("linzhu_messages_total", outcome="answered")
        + moved("linzhu_messages_total", outcome="did_you_mean")
        >= 1
    )
    assert moved("linzhu_messages_total", outcome="not_covered") >= 1
    assert moved("linzhu_reply_seconds_count", channel="web") >= 4
    assert moved("linzhu_reply_seconds_bucket", channel="web", le="+Inf") >= 4
    assert moved("linzhu_faq_top_score_count") >= 2
    assert moved("linzhu_emergency_firings_total") >= 1
    assert moved("linzhu_sends_total", channel="telegram", result="sent") >= 1
    assert moved("linzhu_sends_total", channel="telegram", result="rate_limited") >= 1
    assert moved("linzhu_sends_total", channel="telegram", result="failed") >= 1
    assert moved("linzhu_sends_total", channel="telegram", result="retry") >= 1
    assert moved("linzhu_wechat_deadline_misses_total") >= 1
    assert total(after, "linzhu_outbox_due") < total(backlog, "linzhu_outbox_due")


def test_the_dashboard_queries_only_families_we_export() -> None:
    import json
    import re

    from tests.paths import ROOT

    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\blinzhu_[a-z_]+", e)}
    exported = {
        "linzhu_messages_total",
        "linzhu_reply_seconds_bucket",
        "linzhu_faq_top_score_bucket",
        "linzhu_emergency_firings_total",
        "linzhu_outbox_due",
        "linzhu_outbox_lag_seconds",
        "linzhu_sends_total",
        "linzhu_db_pool_in_use",
        "linzhu_wechat_deadline_misses_total",
    }
    assert used == exported
