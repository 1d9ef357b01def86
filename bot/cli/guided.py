"""`linzhu directory check` and `linzhu stats emergencies`."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config import get_settings


def register(sub: Any) -> None:
    directory = sub.add_parser("directory", help="the schools and medical directories")
    d_sub = directory.add_subparsers(dest="directory_command", metavar="ACTION", required=True)
    check = d_sub.add_parser(
        "check", help="validate faq/directory/*.yaml and faq/phrases/*.yaml (file:line: problem)"
    )
    check.add_argument("--faq-dir", type=Path, help="content folder (default: FAQ_DIR setting)")
    check.set_defaults(func=cmd_directory_check)

    stats = sub.add_parser("stats", help="counts staff look at")
    s_sub = stats.add_subparsers(dest="stats_command", metavar="WHAT", required=True)
    emergencies = s_sub.add_parser("emergencies", help="how often the emergency guard answered")
    emergencies.add_argument("--days", type=int, default=30, help="look back this many days (30)")
    emergencies.set_defaults(func=cmd_stats_emergencies)


def check_content(faq_dir: Path) -> list[str]:
    """Every problem in the directories and phrase cards under `faq_dir`, as file:line text."""
    from bot.knowledge.directory import validate_directory
    from bot.knowledge.phrases import validate_phrases

    problems = []
    for path in sorted((faq_dir / "directory").glob("*.yaml")):
        problems.extend(validate_directory(path))
    for path in sorted((faq_dir / "phrases").glob("*.yaml")):
        problems.extend(validate_phrases(path))
    return [str(p) for p in problems]


def cmd_directory_check(args: argparse.Namespace) -> int:
    faq_dir = args.faq_dir or get_settings().faq_dir
    problems = check_content(faq_dir)
    for line in problems:
        print(line)
    files = len(list((faq_dir / "directory").glob("*.yaml")))
    files += len(list((faq_dir / "phrases").glob("*.yaml")))
    print(f"{files} file(s) checked, {len(problems)} problem(s).")
    return 1 if problems else 0


def cmd_stats_emergencies(args: argparse.Namespace) -> int:
    from bot.core.types import utcnow
    from bot.store.activity import EMERGENCY_GUARD, ActivityStore
    from bot.store.db import Database

    settings = get_settings()

    async def run() -> tuple[int, int, dict[str, int]]:
        db = Database(settings.database_url, schema=settings.database_schema)
        try:
            store = ActivityStore(db)
            since = utcnow() - timedelta(days=args.days)
            return (
                await store.count(EMERGENCY_GUARD, since=since),
                await store.count(EMERGENCY_GUARD),
                await store.count_by_locale(EMERGENCY_GUARD, since=since),
            )
        finally:
            await db.dispose()

    recent, total, by_locale = asyncio.run(run())
    print(f"Emergency guard answers in the last {args.days} days: {recent} (all time: {total})")
    for locale, n in by_locale.items():
        print(f"  {locale:8} {n}")
    return 0
