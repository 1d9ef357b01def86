"""Load benchmark of the web chat, with a bare aiohttp echo measured in the same run.

    .venv/bin/python bench/chat_load.py --users 50 --seconds 10            # closed loop
    .venv/bin/python bench/chat_load.py --rate 150 --seconds 10            # open loop, Poisson
    .venv/bin/python bench/chat_load.py --users 200 --workers 2 \
        --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/chat_load.py --long-burst 30                    # 30 × 4,000 汉字 at once

Linzhu (`python -m bot serve`, `--workers N`) and the echo run as subprocesses on 127.0.0.1;
the load comes from this process, so on a small machine the load generator competes with
the server for the same cores. Each run:

1. warms up (every simulated user says /start, the models load), untimed;
2. the load: closed loop (`--users` users, each sends its next message when the previous
   one is answered) or open loop (`--rate` messages/s, Poisson arrivals, latency counted
   from the scheduled arrival so a stalled server cannot hide its queue); a /healthz probe
   every 50 ms throughout; then the same load against the echo;
3. optionally a burst of `--long-burst` messages of 4,000 Chinese characters at once;
4. CPU milliseconds per message by kind (the server processes' CPU time over a stream of
   one kind at a time), unless `--no-cpu`.

The message mix (printed) cycles through commands, buttons, FAQ questions in the nine
locales and long messages. Every FAQ text and every long message is unique (a number is
added), so no cache of recent texts flatters the figures. The simulated users are named
through a trusted integration's API token (WEBCHAT_API_TOKEN from the environment, or one
made up for the run and given to the server too), which the web chat's per-session rate
limits exempt.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadkit import (  # noqa: E402
    BenchDatabase,
    HealthProbe,
    Target,
    free_port,
    ms,
    pct,
    start_echo,
    start_linzhu,
    tree_cpu_seconds,
    wait_ready,
)

LOCALES = ["en", "zh_Hans", "zh_Hant", "ja", "ko", "fr", "de", "es", "ru"]
QUESTIONS = {
    "en": [
        "How do I enrol my daughter in a public primary school?",
        "Where can I find a doctor who speaks English?",
    ],
    "zh_Hans": ["孩子上小学需要准备什么材料？", "外国人怎么办理居住登记？"],
    "zh_Hant": ["請問小孩入學需要準備哪些文件？", "哪裡可以找到會說英語的醫生？"],
    "ja": [
        "子どもを公立の小学校に入れるにはどうすればいいですか？",
        "英語が話せるお医者さんはどこにいますか？",
    ],
    "ko": [
        "아이를 공립 초등학교에 입학시키려면 어떻게 해야 하나요?",
        "영어를 하는 의사를 어디서 찾을 수 있나요?",
    ],
    "fr": ["Comment inscrire mon fils à l'école ?", "Où trouver un médecin qui parle anglais ?"],
    "de": [
        "Wie melde ich mein Kind in der Grundschule an?",
        "Wo finde ich einen Arzt, der Englisch spricht?",
    ],
    "es": [
        "¿Cómo inscribo a mi hijo en la escuela primaria?",
        "¿Dónde encuentro un médico que hable inglés?",
    ],
    "ru": [
        "Как записать ребёнка в начальную школу?",
        "Где найти врача, который говорит по-английски?",
    ],
}
_ZH_STORY = (
    "我们一家上个月刚从国外搬到长宁区古北，孩子今年六岁，想在附近上公立小学。"
    "我们不太清楚需要准备哪些材料，也不知道要去哪里报名，居住证还在办理中，"
    "请问学校会要求哪些证明文件？另外孩子的疫苗记录是国外的，需要换成国内的吗？"
)
LONG_ZH = (_ZH_STORY * (4000 // len(_ZH_STORY) + 1))[:4000]
_EN_STORY = (
    "We moved to Gubei last month and my son is six. We would like him to attend a public "
    "primary school near Hongqiao, but we do not know which documents the school needs, "
    "where to apply, or whether his vaccination record from abroad must be converted. "
)
LONG_EN = (_EN_STORY * (2000 // len(_EN_STORY) + 1))[:2000]
FAQ_TOPICS = ["school.documents", "living.residence-permit", "medical.english-speaking-doctor"]

# One user's cycle of 20 messages: (kind, what). For "faq", what is (locale offset, question).
SCRIPT: list[tuple[str, object]] = [
    ("command", "/start"),
    ("button", "lang:menu"),
    ("button", "lang:set:{locale}"),
    ("faq", (0, 0)),
    ("button", "faq:show:{topic}"),
    ("command", "/help"),
    ("faq", (3, 1)),
    ("button", "menu:ask"),
    ("faq", (0, 1)),
    ("command", "/events"),
    ("faq", (5, 0)),
    ("button", "lang:menu"),
    ("command", "/language"),
    ("faq", (0, 0)),
    ("button", "faq:show:{topic}"),
    ("faq", (7, 1)),
    ("command", "/start"),
    ("button", "lang:set:{locale}"),
    ("faq", (1, 1)),
    ("long", None),
]
KINDS = ["command", "button", "faq", "long-zh", "long-en"]
_unique = itertools.count(1)

# The bench names its users itself: a trusted integration, with a token made up per run.
API_TOKEN = os.environ.get("WEBCHAT_API_TOKEN") or secrets.token_urlsafe(24)


def long_text(kind: str) -> str:
    """A long message of its kind's length, made unique by a number at its start."""
    base = LONG_ZH if kind == "long-zh" else LONG_EN
    prefix = f"({next(_unique)}) "
    return prefix + base[: len(base) - len(prefix)]


def message(user: int, step: int) -> tuple[str, dict[str, str]]:
    """The kind and JSON body of user `user`'s message number `step`."""
    kind, what = SCRIPT[step % len(SCRIPT)]
    locale = LOCALES[user % len(LOCALES)]
    topic = FAQ_TOPICS[(user + step) % len(FAQ_TOPICS)]
    if kind == "command":
        return kind, {"text": str(what)}
    if kind == "button":
        return kind, {"payload": str(what).format(locale=locale, topic=topic)}
    if kind == "faq":
        offset, which = what  # type: ignore[misc]
        lang = LOCALES[(user + offset) % len(LOCALES)]
        return kind, {"text": f"{QUESTIONS[lang][which]} ({next(_unique)})"}
    kind = "long-zh" if (step // len(SCRIPT)) % 2 == 0 else "long-en"
    return kind, {"text": long_text(kind)}


def describe_mix() -> str:
    kinds = Counter("long" if k == "long" else k for k, _ in SCRIPT)
    n = len(SCRIPT)
    parts = [f"{kinds[k]} {k}s ({kinds[k] * 100 // n}%)" for k in ("command", "button", "faq")]
    return (
        f"message mix, a cycle of {n} per user: " + ", ".join(parts) + f", {kinds['long']} long "
        f"({kinds['long'] * 100 // n}%: 4,000 Chinese characters and 2,000 English ones "
        "in turn); FAQ questions in all nine locales; commands /start /help /language "
        "/events; buttons lang:menu, lang:set, menu:ask, faq:show"
    )


def headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_TOKEN}"}


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def add(self, kind: str, latency: float, ok: bool) -> None:
        self.latencies.append(latency)
        self.by_kind.setdefault(kind, []).append(latency)
        self.errors += not ok

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


async def post(session: aiohttp.ClientSession, url: str, user: str, body: dict[str, str]) -> bool:
    try:
        async with session.post(
            url + "/api/chat", json={"user": user, **body}, headers=headers()
        ) as resp:
            await resp.read()
            return resp.status == 200
    except aiohttp.ClientError:
        return False


async def closed_loop(urls: list[str], users: int, seconds: float, prefix: str) -> Result:
    result = Result()
    stop_at = time.monotonic() + seconds
    connector = aiohttp.TCPConnector(limit=0)

    async def user(n: int, session: aiohttp.ClientSession) -> None:
        url = urls[n % len(urls)]
        step = n % len(SCRIPT)  # users start at different points of the cycle
        while time.monotonic() < stop_at:
            kind, body = message(n, step)
            step += 1
            start = time.perf_counter()
            ok = await post(session, url, f"{prefix}-{n}", body)
            result.add(kind, time.perf_counter() - start, ok)

    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(user(n, session) for n in range(users)))
    result.seconds = time.monotonic() - started
    return result


async def open_loop(
    urls: list[str], users: int, rate: float, seconds: float, prefix: str
) -> Result:
    """Poisson arrivals at `rate`/s; each arrival is some user's next message."""
    result = Result()
    rng = random.Random(15)
    steps = [n % len(SCRIPT) for n in range(users)]
    connector = aiohttp.TCPConnector(limit=0)
    tasks: list[asyncio.Task[None]] = []

    async def one(n: int, kind: str, body: dict[str, str], due: float) -> None:
        ok = await post(session, urls[n % len(urls)], f"{prefix}-{n}", body)
        result.add(kind, time.perf_counter() - due, ok)

    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        due = start
        while True:
            due += rng.expovariate(rate)
            if due - start >= seconds:
                break
            n = rng.randrange(users)
            kind, body = message(n, steps[n])
            steps[n] += 1
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(n, kind, body, due)))
        await asyncio.gather(*tasks)
        result.seconds = max(seconds, time.perf_counter() - start)
    return result


async def warm_up(urls: list[str], users: int, prefix: str) -> None:
    """Every user exists and the models are loaded before anything is timed."""
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        for url in urls:
            for lang in LOCALES:  # the first question waits for the encoder to load
                await post(session, url, f"{prefix}-warm", {"text": QUESTIONS[lang][0]})
        start = {"text": "/start"}
        await asyncio.gather(
            *(post(session, urls[n % len(urls)], f"{prefix}-{n}", start) for n in range(users))
        )


async def long_burst(urls: list[str], count: int) -> tuple[Result, HealthProbe]:
    probe = HealthProbe(urls)
    probe.start()
    await asyncio.sleep(0.5)
    result = Result()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(n: int) -> None:
            start = time.perf_counter()
            body = {"text": long_text("long-zh")}
            ok = await post(session, urls[n % len(urls)], f"burst-{n}", body)
            result.add("long-zh", time.perf_counter() - start, ok)

        started = time.monotonic()
        await asyncio.gather(*(one(n) for n in range(count)))
        result.seconds = time.monotonic() - started
    await asyncio.sleep(0.3)
    await probe.stop()
    return result, probe


CPU_SAMPLES = {"command": 200, "button": 200, "faq": 100, "long-zh": 20, "long-en": 20}


def sample(kind: str, i: int) -> dict[str, str]:
    if kind == "command":
        return {"text": ["/start", "/help", "/language", "/events"][i % 4]}
    if kind == "button":
        buttons = ["lang:menu", f"lang:set:{LOCALES[i % 9]}", "menu:ask"]
        return {"payload": [*buttons, f"faq:show:{FAQ_TOPICS[i % 3]}"][i % 4]}
    if kind == "faq":
        lang = LOCALES[i % len(LOCALES)]
        return {"text": f"{QUESTIONS[lang][i % 2]} ({next(_unique)})"}
    return {"text": long_text(kind)}


async def cpu_per_kind(urls: list[str], pids: list[int]) -> dict[str, float]:
    """Server CPU ms per message, one kind at a time, 4 users at once."""
    out: dict[str, float] = {}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        for kind, count in CPU_SAMPLES.items():
            counter = itertools.count()

            async def user(
                u: int, kind: str = kind, count: int = count, counter: Iterator[int] = counter
            ) -> None:
                while (i := next(counter)) < count:
                    await post(session, urls[u % len(urls)], f"cpu-{kind}-{u}", sample(kind, i))

            await asyncio.sleep(0.5)  # let background work of the previous kind settle
            before = tree_cpu_seconds(pids)
            await asyncio.gather(*(user(u) for u in range(4)))
            out[kind] = (tree_cpu_seconds(pids) - before) * 1000 / count
    return out


def row(name: str, r: Result) -> str:
    lat = r.latencies
    return (
        f"{name:<8} {len(lat):>8} {r.errors:>6} {r.rps:>9.1f} {ms(pct(lat, 50)):>9} "
        f"{ms(pct(lat, 95)):>9} {ms(pct(lat, 99)):>9} {ms(max(lat, default=0)):>9}"
    )


async def load(args: argparse.Namespace, urls: list[str], prefix: str) -> Result:
    if args.rate:
        return await open_loop(urls, args.users, args.rate, args.seconds, prefix)
    return await closed_loop(urls, args.users, args.seconds, prefix)


async def measure(args: argparse.Namespace, target: Target, echo_url: str, db: str) -> None:
    for url in target.urls:
        await wait_ready(url)
    await wait_ready(echo_url)
    mode = (
        f"open loop, {args.rate:g} messages/s (Poisson) from {args.users} users"
        if args.rate
        else f"closed loop, {args.users} users"
    )
    print(f"{mode}, {args.seconds:g} s per target; {db}; linzhu: {target.mode}")
    print(describe_mix())
    await warm_up(target.urls, args.users, "bench")

    probe = HealthProbe(target.urls)
    probe.start()
    cpu_before = tree_cpu_seconds(target.pids)
    ours = await load(args, target.urls, "bench")
    cpu_used = tree_cpu_seconds(target.pids) - cpu_before
    await probe.stop()

    echo_probe = HealthProbe([echo_url])
    echo_probe.start()
    base = await load(args, [echo_url], "echo")
    await echo_probe.stop()

    print(
        f"{'target':<8} {'requests':>8} {'errors':>6} {'req/s':>9} {'p50 ms':>9} "
        f"{'p95 ms':>9} {'p99 ms':>9} {'max ms':>9}"
    )
    print(row("linzhu", ours))
    print(row("echo", base))
    print(
        f"ratio linzhu/echo: throughput {ours.rps / base.rps:.3f}x, "
        f"p50 latency {pct(ours.latencies, 50) / max(pct(base.latencies, 50), 1e-9):.1f}x, "
        f"p99 {pct(ours.latencies, 99) / max(pct(base.latencies, 99), 1e-9):.1f}x"
    )
    print(f"linzhu {probe.summary()}")
    print(f"echo   {echo_probe.summary()}")
    print(
        f"linzhu CPU during the load: {cpu_used:.1f} s over {ours.seconds:.1f} s "
        f"({cpu_used / ours.seconds * 100:.0f}% of one core), "
        f"{cpu_used * 1000 / max(len(ours.latencies), 1):.1f} ms per message on average"
    )
    print(
        "latency by kind (p50 / p99 ms): "
        + ", ".join(
            f"{k} {ms(pct(v, 50))} / {ms(pct(v, 99))}" for k, v in sorted(ours.by_kind.items())
        )
    )
    if args.long_burst:
        burst, burst_probe = await long_burst(target.urls, args.long_burst)
        print(
            f"burst of {args.long_burst} messages of 4,000 Chinese characters at once: "
            f"p50 {ms(pct(burst.latencies, 50))} ms, max {ms(max(burst.latencies))} ms, "
            f"errors {burst.errors}; during it {burst_probe.summary()}"
        )
    if not args.no_cpu:
        cpu = await cpu_per_kind(target.urls, target.pids)
        print(
            "CPU ms per message by kind (server processes, 4 users at once): "
            + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, help="simulated users (default 50; open loop 500)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, help="open loop: messages per second (Poisson)")
    parser.add_argument("--workers", type=int, default=1, help="linzhu serve worker processes")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--long-burst", type=int, default=0, metavar="N")
    parser.add_argument("--no-cpu", action="store_true", help="skip CPU per message by kind")
    args = parser.parse_args()
    args.users = args.users or (500 if args.rate else 50)

    database = BenchDatabase.create(args.database_url)
    env = database.env(WEBCHAT_API_TOKEN=API_TOKEN)
    database.upgrade(env)
    target = start_linzhu(env, args.workers)
    echo_port = free_port()
    echo = start_echo(echo_port, args.workers)
    try:
        asyncio.run(measure(args, target, f"http://127.0.0.1:{echo_port}", database.kind))
    finally:
        target.stop()
        for proc in echo:
            proc.terminate()
            proc.wait(timeout=10)
        database.drop()


if __name__ == "__main__":
    main()
