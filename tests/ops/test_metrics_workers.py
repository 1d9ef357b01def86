"""`serve --workers 2` (PostgreSQL): whichever worker answers /metrics counts every worker's
messages (prometheus-client's multiprocess mode through PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.store.db import Database
from tests.ops.test_shutdown import free_port, wait_ready
from tests.paths import ROOT

METRICS = "workers-metrics-token-0123"
API = "workers-api-token-0123456"
MESSAGES = 16


def web_messages(exposition: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(exposition)
        for s in family.samples
        if s.name == "linzhu_messages_total" and s.labels.get("channel") == "web"
    )


@pytest.mark.postgres
@pytest.mark.parametrize("db_backend", ["postgres"])  # several workers need PostgreSQL
async def test_any_worker_reports_all_workers(
    tmp_path: Path, db: Database, db_url: tuple[str, str | None], db_backend: str
) -> None:
    url, schema = db_url
    port = free_port()
    shared = tmp_path / "metrics"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": url,
        "DATABASE_SCHEMA": schema or "",
        "METRICS_TOKEN": METRICS,
        "WEBCHAT_API_TOKEN": API,
        "PROMETHEUS_MULTIPROC_DIR": str(shared),
        "FAQ_WATCH_SECONDS": "0",
        "RUN_DIR": str(tmp_path / "run"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", "2",
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        connector = aiohttp.TCPConnector(force_close=True)  # new connections: both workers
        async with aiohttp.ClientSession(connector=connector) as session:
            await wait_ready(session, base)
            await asyncio.sleep(1.0)  # the second worker is up too

            async def say(n: int) -> None:
                body = {"user": f"w{n}", "text": f"hello {n}"}
                headers = {"Authorization": f"Bearer {API}"}
                async with session.post(f"{base}/api/chat", json=body, headers=headers) as r:
                    assert r.status == 200

            await asyncio.gather(*(say(n) for n in range(MESSAGES)))
            seen = []
            for _ in range(8):
                headers = {"Authorization": f"Bearer {METRICS}"}
                async with session.get(f"{base}/metrics", headers=headers) as r:
                    assert r.status == 200
                    seen.append(web_messages(await r.text()))
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    pids = {p.stem.rsplit("_", 1)[-1] for p in shared.glob("counter_*.db")}
    assert len(pids) >= 2, f"messages counted in one process only: {pids}\n{out.decode()[-2000:]}"
    assert seen == [MESSAGES] * len(seen), seen
