"""What the load benchmarks share: servers as subprocesses, a /healthz probe, CPU accounting,
a bare aiohttp echo for a same-run baseline, and a fresh database per run.

Nothing here imports `bot`: the servers under test run as subprocesses (`python -m bot serve`),
so a benchmark measures exactly what an operator would run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
PROBE_INTERVAL = 0.050
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(url: str, within_s: float = 60) -> None:
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


# --- percentiles ---------------------------------------------------------------------------


def pct(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) of values, in the values' unit; 0 for no values."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[min(998, int(p * 10) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


# --- CPU of a process tree ---------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry))
    return found


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def tree_cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds of these processes and all their descendants (alive ones)."""
    total = 0.0
    todo = list(pids)
    seen: set[int] = set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _cpu_of(pid)
        todo.extend(_children(pid))
    return total


# --- the /healthz probe --------------------------------------------------------------------------


@dataclass
class HealthProbe:
    """GET /healthz every 50 ms on a fresh connection (so every worker gets sampled)."""

    urls: list[str]
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        connector = aiohttp.TCPConnector(force_close=True)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            i = 0
            next_at = time.perf_counter()
            while True:
                url = self.urls[i % len(self.urls)]
                i += 1
                start = time.perf_counter()
                try:
                    async with session.get(url + "/healthz") as resp:
                        await resp.read()
                        if resp.status != 200:
                            self.failures += 1
                except aiohttp.ClientError:
                    self.failures += 1
                self.latencies.append(time.perf_counter() - start)
                next_at += PROBE_INTERVAL
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                next_at = max(next_at, time.perf_counter() - PROBE_INTERVAL)

    def summary(self) -> str:
        lat = self.latencies
        return (
            f"/healthz every 50 ms: {len(lat)} probes, p50 {ms(pct(lat, 50))} ms, "
            f"p99 {ms(pct(lat, 99))} ms, max {ms(max(lat, default=0))} ms"
            + (f", {self.failures} failed" if self.failures else "")
        )


# --- the echo baseline ---------------------------------------------------------------------------


def run_echo_server(port: int, reuse_port: bool) -> None:
    """A bare aiohttp app answering POST /api/chat with a reply-shaped JSON echo, on the
    event loop Linzhu's `serve` uses (EVENT_LOOP, uvloop where installed), so the ratio
    compares the application and not the loops."""

    async def echo(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(
            {"locale": "en", "replies": [{"text": str(body)[:200], "buttons": []}]}
        )

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=1 << 20)
    app.router.add_post("/api/chat", echo)
    app.router.add_post("/wechat", echo)
    app.router.add_get("/healthz", healthz)
    sys.path.insert(0, str(ROOT))
    from bot.web.loop import loop_factory

    setting = os.environ.get("EVENT_LOOP", "auto")
    factory = loop_factory(setting if setting in ("uvloop", "asyncio") else "auto")
    web.run_app(
        app,
        host="127.0.0.1",
        port=port,
        print=None,
        access_log=None,
        reuse_port=reuse_port,
        loop=factory() if factory else None,
    )


def start_echo(port: int, processes: int) -> list[subprocess.Popen[bytes]]:
    """`processes` echo servers sharing one port (SO_REUSEPORT), like `serve --workers`."""
    flag = "--echo-server-reuse" if processes > 1 else "--echo-server"
    return [
        subprocess.Popen([sys.executable, __file__, flag, str(port)], cwd=ROOT)
        for _ in range(processes)
    ]


# --- Linzhu under test ---------------------------------------------------------------------------


@dataclass
class Target:
    """Linzhu's server processes and the URLs that reach them."""

    procs: list[subprocess.Popen[bytes]]
    urls: list[str]
    mode: str

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def serve_supports_workers(env: dict[str, str]) -> bool:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return "--workers" in out.stdout


def start_linzhu(env: dict[str, str], workers: int) -> Target:
    """`linzhu serve --workers N` on one port when this version has it; otherwise (older
    code) N separate `linzhu serve` processes on N ports, the load spread over them."""
    if workers > 1 and serve_supports_workers(env):
        port = free_port()
        cmd = [sys.executable, "-m", "bot", "serve", "--port", str(port), "--workers", str(workers)]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
        return Target([proc], [f"http://127.0.0.1:{port}"], f"serve --workers {workers}")
    ports = [free_port() for _ in range(workers)]
    serve = [sys.executable, "-m", "bot", "serve", "--port"]
    procs = [subprocess.Popen([*serve, str(p)], cwd=ROOT, env=env) for p in ports]
    mode = "one serve process" if workers == 1 else f"{workers} serve processes, one port each"
    return Target(procs, [f"http://127.0.0.1:{p}" for p in ports], mode)


@dataclass
class BenchDatabase:
    """A fresh database for one run: a temporary SQLite file or a new PostgreSQL schema."""

    url: str
    schema: str | None

    @classmethod
    def create(cls, url: str | None) -> BenchDatabase:
        if not url:
            tmp = tempfile.mkdtemp(prefix="linzhu-bench-")
            return cls(f"sqlite+aiosqlite:///{tmp}/bench.db", None)
        return cls(url, f"bench_{uuid.uuid4().hex[:10]}")

    @property
    def kind(self) -> str:
        return "PostgreSQL" if self.url.startswith("postgresql") else "SQLite"

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ, LOG_LEVEL="WARNING", DATABASE_URL=self.url, DEMO_DATA="false")
        if self.schema:
            env["DATABASE_SCHEMA"] = self.schema
        env.update(extra)
        return env

    def upgrade(self, env: dict[str, str]) -> None:
        subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )

    def drop(self) -> None:
        if not self.schema:
            return
        code = (
            "import asyncio, sys\n"
            "from sqlalchemy import text\n"
            "from sqlalchemy.ext.asyncio import create_async_engine\n"
            "async def main():\n"
            "    engine = create_async_engine(sys.argv[1])\n"
            "    async with engine.begin() as conn:\n"
            "        await conn.execute(text(f'DROP SCHEMA IF EXISTS \"{sys.argv[2]}\" CASCADE'))\n"
            "    await engine.dispose()\n"
            "asyncio.run(main())\n"
        )
        subprocess.run([sys.executable, "-c", code, self.url, self.schema], cwd=ROOT, check=False)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("--echo-server", "--echo-server-reuse"):
        run_echo_server(int(sys.argv[2]), reuse_port=sys.argv[1] == "--echo-server-reuse")
