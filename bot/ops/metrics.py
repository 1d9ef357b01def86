"""Prometheus metrics: families fed by the process's signals (bot/core/observe.py), GET /metrics.

One process: the default registry. Several (`serve --workers N`): every process writes its
values to files in PROMETHEUS_MULTIPROC_DIR (set by `serve` before any worker starts, to
RUN_DIR/metrics unless given) and whichever worker answers the scrape adds them up
(prometheus-client's multiprocess mode). The outbox's depth and lag are read from the
database when scraped (one indexed query, cached a few seconds), so every worker answers the
same. /metrics wants `Authorization: Bearer METRICS_TOKEN`; without that setting it is off.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import event

from bot.core import observe
from bot.core.dispatcher import Dispatcher
from bot.ops.multiproc import MULTIPROC_ENV
from bot.services import Services
from bot.store.db import Database
from bot.store.outbox import OutboxStore

BACKLOG_CACHE_SECONDS = 5.0

MESSAGES = Counter(
    "linzhu_messages",
    "Messages handled, by channel, reply locale and outcome "
    "(answered, did_you_mean, not_covered, emergency, flow, error)",
    ["channel", "locale", "outcome"],
)
REPLY_SECONDS = Histogram(
    "linzhu_reply_seconds",
    "Time from a message reaching the dispatcher to its replies being ready",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8),
)
FAQ_SCORE = Histogram(
    "linzhu_faq_top_score",
    "Top-1 retrieval score of each FAQ decision",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
)
EMERGENCIES = Counter("linzhu_emergency_firings", "Emergency answers given, by kind", ["kind"])
SENDS = Counter(
    "linzhu_sends",
    "Outbox sends by channel and result (sent, failed, retry, rate_limited = a 429)",
    ["channel", "result"],
)
REPLY_SENDS = Counter(
    "linzhu_reply_sends",
    "Replies sent through a platform's API, by channel, kind (bot, staff) and result",
    ["channel", "kind", "result"],
)
DEADLINE_MISSES = Counter(
    "linzhu_wechat_deadline_misses",
    "WeChat messages whose passive reply was not ready in time (sent by customer service)",
)
DB_POOL_IN_USE = Gauge(
    "linzhu_db_pool_in_use",
    "Database connections checked out of the pool",
    multiprocess_mode="livesum",
)


def on_signal(name: str, value: float, labels: Mapping[str, str]) -> None:
    if name == observe.MESSAGE:
        MESSAGES.labels(labels["channel"], labels["locale"], labels["outcome"]).inc()
        REPLY_SECONDS.labels(labels["channel"]).observe(value)
    elif name == observe.FAQ_SCORE:
        FAQ_SCORE.observe(value)
    elif name == observe.EMERGENCY:
        EMERGENCIES.labels(labels["kind"]).inc()
    elif name == observe.SEND:
        SENDS.labels(labels["channel"], labels["result"]).inc()
    elif name == observe.REPLY_SEND:
        REPLY_SENDS.labels(labels["channel"], labels["kind"], labels["result"]).inc()
    elif name == observe.DEADLINE_MISS:
        DEADLINE_MISSES.inc()


def install(db: Database | None = None) -> None:
    """Count this process's signals (and its pool's connections); safe to repeat."""
    observe.signals.listen(on_signal)
    if db is not None and not getattr(db, "_linzhu_pool_metrics", False):
        pool = db.engine.sync_engine.pool

        def checked_out(*_: Any) -> None:
            DB_POOL_IN_USE.inc()

        def checked_in(*_: Any) -> None:
            DB_POOL_IN_USE.dec()

        event.listen(pool, "checkout", checked_out)
        event.listen(pool, "checkin", checked_in)
        db._linzhu_pool_metrics = True  # type: ignore[attr-defined]


class Backlog:
    """The outbox's due messages and lag, read at most every few seconds."""

    def __init__(self, outbox: OutboxStore) -> None:
        self.outbox = outbox
        self._at = -BACKLOG_CACHE_SECONDS
        self._value = (0, 0.0)

    async def read(self) -> tuple[int, float]:
        if time.monotonic() - self._at >= BACKLOG_CACHE_SECONDS:
            self._value = await self.outbox.backlog()
            self._at = time.monotonic()
        return self._value


async def exposition(backlog: Backlog) -> bytes:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    depth, lag = await backlog.read()
    scraped = CollectorRegistry()
    Gauge("linzhu_outbox_due", "Outbox messages due and not yet sent", registry=scraped).set(depth)
    Gauge(
        "linzhu_outbox_lag_seconds",
        "How long the oldest due outbox message has waited",
        registry=scraped,
    ).set(lag)
    return generate_latest(registry) + generate_latest(scraped)


class MetricsComponent:
    """GET /metrics (behind METRICS_TOKEN) and the counting, in every `serve` process."""

    name = "metrics"

    def __init__(self, services: Services) -> None:
        self.services = services
        token = services.settings.metrics_token
        self.token = token.get_secret_value() if token is not None else None
        self.backlog = Backlog(services.outbox)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/metrics", self.scrape)

    async def start(self) -> None:
        install(self.services.db)

    async def stop(self) -> None:
        return None

    async def scrape(self, request: web.Request) -> web.Response:
        if self.token is None:
            raise web.HTTPNotFound()
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
            return web.Response(
                status=401,
                text="metrics need the METRICS_TOKEN bearer token\n",
                headers={"WWW-Authenticate": "Bearer"},
            )
        body = await exposition(self.backlog)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def metrics_component(dispatcher: Dispatcher) -> MetricsComponent:
    return MetricsComponent(dispatcher.services)
