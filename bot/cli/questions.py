"""`linzhu questions list|resolve` and `linzhu feedback`: what Linzhu could not answer, and
how residents rated its answers — the staff's to-do list for the FAQ."""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from datetime import timedelta
from typing import Any

from bot.config import get_settings
from bot.core.types import utcnow
from bot.i18n.format import SHANGHAI
from bot.store.db import Database
from bot.store.questions import QuestionStore
from bot.store.tables import UnansweredQuestion


def register(sub: Any) -> None:
    questions = sub.add_parser("questions", help="questions Linzhu could not answer")
    q_sub = questions.add_subparsers(dest="questions_command", metavar="ACTION", required=True)
    listing = q_sub.add_parser("list", help="open questions, newest first")
    listing.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    listing.add_argument("--all", action="store_true", help="include questions marked handled")
    listing.add_argument("--format", choices=["table", "csv"], default="table")
    listing.add_argument("--limit", type=int, default=200)
    listing.set_defaults(func=cmd_list)
    resolve = q_sub.add_parser("resolve", help="mark questions as handled")
    resolve.add_argument("ids", type=int, nargs="+", help="question ids from `questions list`")
    resolve.set_defaults(func=cmd_resolve)

    feedback = sub.add_parser("feedback", help="👍/👎 per FAQ topic, most 👎 first")
    feedback.add_argument("--days", type=int, default=30, help="how far back (default 30)")
    feedback.set_defaults(func=cmd_feedback)


def _store() -> tuple[Database, QuestionStore]:
    settings = get_settings()
    db = Database(settings.database_url, pool_size=2, schema=settings.database_schema)
    return db, QuestionStore(db)


def cmd_list(args: argparse.Namespace) -> int:
    async def run() -> int:
        db, store = _store()
        try:
            rows = await store.unanswered(
                args.limit, since=utcnow() - timedelta(days=args.days), include_resolved=args.all
            )
        finally:
            await db.dispose()
        if args.format == "csv":
            out = csv.writer(sys.stdout)
            out.writerow(["id", "time", "channel", "locale", "text", "best_candidate", "resolved",
                          "outcome", "offered", "tapped"])  # fmt: skip
            for r in rows:
                best = r.candidates[0].get("faq_id", "") if r.candidates else ""
                when = r.created_at.astimezone(SHANGHAI).isoformat(timespec="minutes")
                out.writerow([r.id, when, r.channel, r.locale or "", r.text, best,
                              "yes" if r.resolved_at else "", r.outcome,
                              " ".join(_offered(r.candidates)), r.chosen or ""])  # fmt: skip
            return 0
        if not rows:
            print(f"No open questions in the last {args.days} days.")
            return 0
        for r in rows:
            when = r.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            print(f"#{r.id:<5} {when}  {r.channel:<8} {r.locale or '-':<7} {r.text}{_hint(r)}")
        print(f"{len(rows)} question(s). Mark handled with: linzhu questions resolve ID …")
        tapped = sorted({r.chosen for r in rows if r.chosen and r.chosen != "none"})
        if tapped:
            print(
                "Questions whose resident tapped a suggested topic are worth adding to that "
                f"topic's alternates in faq/ ({', '.join(tapped)})."
            )
        return 0

    return asyncio.run(run())


def _offered(candidates: list[dict[str, Any]]) -> list[str]:
    return [str(c.get("faq_id")) for c in candidates if c.get("offered")]


def _hint(row: UnansweredQuestion) -> str:
    """What Linzhu did with the question: the closest topic, or the offer and the tap."""
    if row.outcome == "did_you_mean":
        offered = ", ".join(_offered(row.candidates))
        if row.chosen == "none":
            return f"  (offered {offered}; tapped: none of these)"
        if row.chosen:
            return f"  (offered {offered}; tapped: {row.chosen} → add as an alternate?)"
        return f"  (offered {offered}; nothing tapped)"
    best = row.candidates[0].get("faq_id", "") if row.candidates else ""
    return f"  (closest: {best})" if best else ""


def cmd_resolve(args: argparse.Namespace) -> int:
    async def run() -> int:
        db, store = _store()
        try:
            done = await store.resolve(args.ids)
        finally:
            await db.dispose()
        print(f"{done} question(s) marked handled.")
        return 0 if done else 1

    return asyncio.run(run())


def cmd_feedback(args: argparse.Namespace) -> int:
    async def run() -> int:
        db, store = _store()
        try:
            rows = await store.feedback_summary(since=utcnow() - timedelta(days=args.days))
        finally:
            await db.dispose()
        if not rows:
            print(f"No feedback in the last {args.days} days.")
            return 0
        print(f"{'topic':<40} {'👍':>5} {'👎':>5}")
        for topic, up, down in rows:
            print(f"{topic:<40} {up:>5} {down:>5}")
        return 0

    return asyncio.run(run())
