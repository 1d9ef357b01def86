"""Load benchmark of the web chat: N simulated users for T seconds against POST /api/chat,
then the same load against a bare aiohttp echo endpoint, for a ratio.

    .venv/bin/python bench/chat_load.py --users 50 --seconds 10 [--database-url URL]

Both servers run as subprocesses on 127.0.0.1 (one worker each); the load comes from this
process. Prints throughput and p50/p95/p99 latency for each, and Linzhu/echo ratios. The
simulated users are named through a trusted integration's API token (WEBCHAT_API_TOKEN,
made up for the run), which the web chat's rate limits do not apply to.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
API_TOKEN = secrets.token_urlsafe(32)
SCRIPT = [
    {"text": "/start"},
    {"payload": "lang:menu"},
    {"payload": "lang:set:fr"},
    {"text": "/help"},
    {"text": "Comment inscrire mon fils à l'école ?"},
    {"payload": "menu:ask"},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_echo_server(port: int) -> None:
    async def echo(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(
            {"locale": "en", "replies": [{"text": str(body), "buttons": [], "attachments": []}]}
        )

    app = web.Application()
    app.router.add_post("/api/chat", echo)
    app.router.add_get("/healthz", lambda r: web.json_response({"status": "ok"}))
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def wait_ready(url: str, within_s: float = 30) -> None:
    deadline = time.monotonic() + within_s
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"server at {url} did not become ready")


async def drive(url: str, users: int, seconds: float) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=users)

    async def user(n: int, session: aiohttp.ClientSession) -> None:
        nonlocal errors
        i = 0
        while time.monotonic() < stop_at:
            body = {"user": f"bench-{n}", **SCRIPT[i % len(SCRIPT)]}
            i += 1
            start = time.perf_counter()
            try:
                async with session.post(url + "/api/chat", json=body) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append(time.perf_counter() - start)

    trusted = {"Authorization": f"Bearer {API_TOKEN}"}
    async with aiohttp.ClientSession(connector=connector, headers=trusted) as session:
        await asyncio.gather(*(user(n, session) for n in range(users)))
    return latencies, errors


def summary(name: str, latencies: list[float], errors: int, seconds: float) -> dict[str, float]:
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    row = {
        "rps": len(latencies) / seconds,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
    }
    print(
        f"{name:<8} {len(latencies):>8} {errors:>6} {row['rps']:>9.1f} {row['p50']:>8.1f} "
        f"{row['p95']:>8.1f} {row['p99']:>8.1f}"
    )
    return row


async def measure(args: argparse.Namespace, linzhu_url: str, echo_url: str, db: str) -> None:
    await wait_ready(linzhu_url)
    await wait_ready(echo_url)
    print(f"{args.users} concurrent users, {args.seconds:.0f} s each run, database {db}")
    print(
        f"{'target':<8} {'requests':>8} {'errors':>6} {'req/s':>9} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8}"
    )
    lat, err = await drive(linzhu_url, args.users, args.seconds)
    ours = summary("linzhu", lat, err, args.seconds)
    lat, err = await drive(echo_url, args.users, args.seconds)
    base = summary("echo", lat, err, args.seconds)
    print(
        f"ratio linzhu/echo: throughput {ours['rps'] / base['rps']:.2f}x, "
        f"p50 latency {ours['p50'] / base['p50']:.1f}x, p99 {ours['p99'] / base['p99']:.1f}x"
    )


def run_benchmark(args: argparse.Namespace) -> None:
    tmp = tempfile.mkdtemp(prefix="linzhu-bench-")
    env = dict(
        os.environ,
        LOG_LEVEL="WARNING",
        WEBCHAT_API_TOKEN=API_TOKEN,
        DATABASE_URL=args.database_url or f"sqlite+aiosqlite:///{tmp}/bench.db",
    )
    subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    linzhu_port, echo_port = free_port(), free_port()
    linzhu = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(linzhu_port)], cwd=ROOT, env=env
    )
    echo = subprocess.Popen([sys.executable, __file__, "--echo-server", str(echo_port)], cwd=ROOT)
    try:
        asyncio.run(
            measure(
                args,
                f"http://127.0.0.1:{linzhu_port}",
                f"http://127.0.0.1:{echo_port}",
                env["DATABASE_URL"].split(":")[0],
            )
        )
    finally:
        for proc in (linzhu, echo):
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--echo-server":
        run_echo_server(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    run_benchmark(parser.parse_args())


if __name__ == "__main__":
    main()
