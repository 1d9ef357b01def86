"""`linzhu directory check` and `linzhu stats emergencies`."""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config import get_settings


def register(sub: Any) -> None:
    directory = sub.add_parser("directory", help="the schools and medical directories")
    d_sub = directory.add_subparsers(dest="directory_command", metavar="ACTION", required=True)
    check = d_sub.add_parser(
        "check",
        help="validate faq/directory/, faq/phrases/ and faq/emergency/ (file:line: problem)",
    )
    check.add_argument("--faq-dir", type=Path, help="content folder (default: FAQ_DIR setting)")
    check.set_defaults(func=cmd_directory_check)

    stats = sub.add_parser("stats", help="counts staff look at")
    s_sub = stats.add_subparsers(dest="stats_command", metavar="WHAT", required=True)
    emergencies = s_sub.add_parser(
        "emergencies", help="emergency guard answers by kind and locale, questions asked"
    )
    emergencies.add_argument("--days", type=int, default=30, help="look back this many days (30)")
    emergencies.set_defaults(func=cmd_stats_emergencies)


def check_content(faq_dir: Path) -> list[str]:
    """Every problem in the directories and phrase cards under `faq_dir`, as file:line text."""
    from bot.knowledge.directory import validate_directory
    from bot.knowledge.emergency_extras import validate_extras
    from bot.knowledge.phrases import validate_phrases

    problems = []
    for path in sorted((faq_dir / "directory").glob("*.yaml")):
        problems.extend(validate_directory(path))
    for path in sorted((faq_dir / "phrases").glob("*.yaml")):
        problems.extend(validate_phrases(path))
    for path in sorted((faq_dir / "emergency").glob("*.yaml")):
        problems.extend(validate_extras(path))
    return [str(p) for p in problems]


def cmd_directory_check(args: argparse.Namespace) -> int:
    faq_dir = args.faq_dir or get_settings().faq_dir
    problems = check_content(faq_dir)
    for line in problems:
        print(line)
    files = sum(
        len(list((faq_dir / folder).glob("*.yaml")))
        for folder in ("directory", "phrases", "emergency")
    )
    print(f"{files} file(s) checked, {len(problems)} problem(s).")
    return 1 if problems else 0


def cmd_stats_emergencies(args: argparse.Namespace) -> int:
    from bot.core.types import utcnow
    from bot.store.activity import (
        EMERGENCY_ASK,
        EMERGENCY_DECLINED,
        EMERGENCY_GUARD,
        ActivityStore,
    )
    from bot.store.db import Database

    settings = get_settings()
    Rows = list[tuple[str | None, dict[str, Any]]]

    async def run() -> tuple[int, Rows, Rows, Rows]:
        db = Database(settings.database_url, schema=settings.database_schema)
        try:
            store = ActivityStore(db)
            since = utcnow() - timedelta(days=args.days)
            return (
                await store.count(EMERGENCY_GUARD),
                await store.details(EMERGENCY_GUARD, since=since),
                await store.details(EMERGENCY_ASK, since=since),
                await store.details(EMERGENCY_DECLINED, since=since),
            )
        finally:
            await db.dispose()

    total, fired, asked, declined = asyncio.run(run())
    print(f"Emergency guard answers in the last {args.days} days: {len(fired)} (all time: {total})")
    print(f'  "Is someone in danger right now?" asked: {len(asked)}, answered no: {len(declined)}')
    _table(
        "by kind", fired, lambda locale, detail: str(detail.get("kind", "general")), signals=True
    )
    _table("by locale", fired, lambda locale, detail: locale or "?")
    return 0


def _table(
    title: str,
    rows: list[tuple[str | None, dict[str, Any]]],
    key: Callable[[str | None, dict[str, Any]], str],
    signals: bool = False,
) -> None:
    """Counts per key, largest first; with `signals`, how each was recognised."""
    counts: Counter[str] = Counter()
    how: dict[str, Counter[str]] = defaultdict(Counter)
    for locale, detail in rows:
        name = key(locale, detail)
        counts[name] += 1
        how[name][str(detail.get("signal") or detail.get("via") or "?")] += 1
    if not counts:
        return
    print(f"{title}:")
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        via = ", ".join(f"{s} {c}" for s, c in sorted(how[name].items())) if signals else ""
        print(f"  {name:16} {n:5}" + (f"   ({via})" if via else ""))
