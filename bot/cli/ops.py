"""`linzhu retention run`, `linzhu backup`, `linzhu restore`, `linzhu doctor` (docs/deploy.md)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bot.config import get_settings
from bot.store.retention import KINDS

DESCRIBE = {
    "conversation_state": "conversation states untouched for {days} days",
    "booking_notes": "bookings whose note/contacts are kept {days} days after their time",
    "unanswered_questions": "unanswered questions older than {days} days",
    "activity_log": "activity log entries older than {days} days",
    "inactive_residents": "residents not heard from for {days} days (with all their data)",
    "transcripts": "conversations with staff closed more than {days} days ago (transcripts)",
    "registration_answers": "registrations' sign-up answers, events ended over {days} days ago",
    "feedback_comments": "feedback comments older than {days} days (the votes stay)",
}


def register(sub: Any) -> None:
    retention = sub.add_parser("retention", help="delete personal data past its retention period")
    r_sub = retention.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    run = r_sub.add_parser("run", help="delete what is past its period (RETENTION_* settings)")
    run.add_argument("--dry-run", action="store_true", help="print what would go; change nothing")
    run.set_defaults(func=cmd_retention)

    backup = sub.add_parser(
        "backup", help="copy the database to FILE (SQLite online backup; PostgreSQL: pg_dump)"
    )
    backup.add_argument("file", help="where to write the backup (refuses to overwrite)")
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("file", help="a file written by `linzhu backup`")
    restore.set_defaults(func=cmd_restore)

    doctor = sub.add_parser("doctor", help="check settings, database, catalogs, FAQ, channels")
    doctor.set_defaults(func=cmd_doctor)


def cmd_retention(args: argparse.Namespace) -> int:
    from bot.logs import setup_logging
    from bot.ops.retention import policy_from
    from bot.store.db import Database
    from bot.store.retention import RetentionStore

    settings = get_settings()
    setup_logging("WARNING", settings)
    policy = policy_from(settings)

    async def run() -> dict[str, int]:
        db = Database(settings.database_url, pool_size=2, schema=settings.database_schema)
        try:
            return await RetentionStore(db).run(policy, dry_run=args.dry_run)
        finally:
            await db.dispose()

    done = asyncio.run(run())
    verb = "would delete" if args.dry_run else "deleted"
    for kind in KINDS:
        days = policy.days(kind)
        what = DESCRIBE[kind].format(days=days)
        if kind not in done:
            print(f"  kept   {kind}: kept until erased (retention 0)")
        else:
            print(f"  {verb} {done[kind]:>6} {kind}: {what}")
    if args.dry_run:
        print("Dry run: nothing was changed.")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.ops.backup import BackupError, backup

    try:
        print(backup(get_settings(), args.file))
    except BackupError as exc:
        print(f"linzhu: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.ops.backup import BackupError, restore

    try:
        print(restore(get_settings(), args.file))
    except BackupError as exc:
        print(f"linzhu: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot.ops.doctor import run_doctor

    return asyncio.run(run_doctor(get_settings))
