"""SIGTERM to a real `linzhu serve` under load: it stops accepting, answers every message it
took, exits within the grace period; no message is handled without its answer reaching the
sender, and none is handled twice. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

from bot.core.types import utcnow
from bot.store import outbox
from bot.store.db import Database
from bot.store.inbox import WebInboxMessage
from bot.store.outbox import OutboxMessage
from bot.store.tables import UnansweredQuestion, User
from bot.store.traffic import DailyCount
from tests.paths import ROOT

TOKEN = "shutdown-token-0123456789"
GRACE = 15.0
CLIENTS = 12
NOTICES = 600  # outbox messages due: at 29 a second the dispatcher is mid-batch at SIGTERM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def text_of(n: int) -> str:
    # Unanswerable, so each is kept for staff with its text: the database says what was handled.
    return f"zqxv{n:04d} vlorp krandig wumbet"


async def start(
    tmp_path: Path, db_url: tuple[str, str | None], port: int
) -> asyncio.subprocess.Process:
    url, schema = db_url
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": url,
        "WEBCHAT_API_TOKEN": TOKEN,
        "SHUTDOWN_GRACE_SECONDS": str(GRACE),
        "FAQ_WATCH_SECONDS": "0",
        "LOG_LEVEL": "INFO",
        "REMINDER_POLL_SECONDS": "0.2",
        **({"DATABASE_SCHEMA": schema} if schema else {}),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--port", str(port),
        cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


async def enqueue_notices(db: Database) -> None:
    payload = {
        "title": {"en": "Tea afternoon"},
        "starts_at": "2026-12-20T06:00:00+00:00",
        "ends_at": "2026-12-20T08:00:00+00:00",
        "texts": {"en": "Bring a cup."},
    }
    async with db.transaction() as session:
        for n in range(NOTICES):
            user = User(channel="web", external_id=f"reader{n}")
            session.add(user)
            await session.flush()
            assert user.id is not None
            await outbox.enqueue(
                session, user_id=user.id, channel="web", kind="event_announcement",
                payload=payload, due_at=utcnow(), dedupe_key=f"shutdown:{n}",
            )  # fmt: skip


async def wait_ready(session: aiohttp.ClientSession, base: str, within: float = 90) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{base}/readyz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError("linzhu serve did not become ready")


async def test_sigterm_under_load_loses_nothing_and_answers_once(
    tmp_path: Path, db: Database, db_url: tuple[str, str | None]
) -> None:
    await enqueue_notices(db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = await start(tmp_path, db_url, port)
    answered: list[int] = []
    refused: list[int] = []
    numbers = iter(range(100_000))
    auth = {"Authorization": f"Bearer {TOKEN}", "Connection": "close"}
    try:
        connector = aiohttp.TCPConnector(force_close=True)  # each message its own connection
        async with aiohttp.ClientSession(connector=connector) as session:
            await wait_ready(session, base)

            async def client(k: int) -> None:
                while True:
                    n = next(numbers)
                    body = {"user": f"resident{k}", "text": text_of(n)}
                    try:
                        async with session.post(f"{base}/api/chat", json=body, headers=auth) as r:
                            assert r.status == 200, await r.text()
                            assert (await r.json())["replies"]
                            answered.append(n)
                    except (TimeoutError, aiohttp.ClientConnectionError):
                        refused.append(n)
                        return

            clients = [asyncio.create_task(client(k)) for k in range(CLIENTS)]
            await asyncio.sleep(1.5)  # under load: every client has a message in flight
            in_flight_before = len(answered)
            process.send_signal(signal.SIGTERM)
            stopped_at = time.monotonic()
            await asyncio.wait_for(asyncio.gather(*clients), timeout=GRACE + 10)
        out, _ = await asyncio.wait_for(process.communicate(), timeout=GRACE + 10)
        took = time.monotonic() - stopped_at
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = out.decode()
    assert process.returncode == 0, log
    # Within the grace period (and the interpreter's own exit).
    assert took < GRACE + 1, f"exited {took:.1f} s after SIGTERM\n{log[-3000:]}"
    assert "stopping: no new connections" in log and "stopped" in log
    assert "event loop: uvloop" in log  # the default loop, where installed (bot/web/loop.py)
    assert in_flight_before > 0 and len(answered) > in_flight_before, "no load at SIGTERM"
    assert len(refused) == CLIENTS  # each client stopped at a refused connection

    async with db.session() as session:
        texts = list((await session.execute(select(UnansweredQuestion.text))).scalars())
        counted = (await session.execute(select(func.sum(DailyCount.count)))).scalar_one()
        rows = (await session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.status))).all()
        inbox = list((await session.execute(select(WebInboxMessage.external_id))).scalars())
    handled = [int(t[4:8]) for t in texts]
    assert len(handled) == len(set(handled)), "a message was handled twice"
    # Every message the server handled, its sender got the answer of; every message it
    # refused, it never handled (the sender can send it again).
    assert sorted(handled) == sorted(answered)
    assert not set(handled) & set(refused)
    assert counted == len(answered)  # the message counts were flushed at the stop, once

    # The reminder dispatcher finished its batch: each notice was sent and marked, or is
    # still pending for the next start; none stuck half-sent, none delivered twice.
    status = {key: st for key, st in rows}
    sent = {int(k.split(":")[1]) for k, st in status.items() if st == "sent"}
    assert set(status.values()) <= {"sent", "pending"}, set(status.values())
    assert 0 < len(sent) < NOTICES, f"{len(sent)} sent: SIGTERM was not mid-way"
    notices = [int(x.removeprefix("reader")) for x in inbox if x.startswith("reader")]
    assert sorted(notices) == sorted(sent)
    print(  # shown with -s
        f"SIGTERM → exit {took:.2f} s; {len(answered)} messages answered "
        f"({len(answered) - in_flight_before} after SIGTERM), {len(refused)} refused, "
        f"{len(sent)}/{NOTICES} notices sent"
    )
