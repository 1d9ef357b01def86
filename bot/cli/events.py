"""`linzhu events add|import|list|publish|cancel|attendees|notify`: staff tools for events.

Times staff type are Shanghai wall-clock time; every error is reported on stderr with exit
status 2, and a file with any problem changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml

from bot.config import get_settings
from bot.events.importer import SHANGHAI, EventFileError, check_rows, load_events
from bot.events.when import format_when
from bot.i18n.locales import LOCALES
from bot.store.db import Database
from bot.store.events.admin import EventAdmin
from bot.store.events.tables import CATEGORIES, EventError, EventView, localized

Command = Callable[[argparse.Namespace, EventAdmin], Awaitable[int]]
ERRORS = {
    "not_found": "There is no event with that id.",
    "cancelled": "That event is cancelled; it cannot be changed or announced any more.",
}


def register(sub: Any) -> None:
    events = sub.add_parser("events", help="events: add, import, publish, cancel, attendees")
    ev = events.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = ev.add_parser(
        "add",
        help="add one event (as a draft unless --publish)",
        description="Times are Shanghai time, YYYY-MM-DD HH:MM. For sign-up questions, "
        "use `linzhu events import` (see data/events.example.yaml).",
    )
    add.add_argument("--title", action="append", required=True, metavar="LOCALE=TEXT")
    add.add_argument("--description", action="append", default=[], metavar="LOCALE=TEXT")
    add.add_argument("--category", required=True, choices=CATEGORIES)
    add.add_argument("--start", required=True, help="YYYY-MM-DD HH:MM (Shanghai)")
    add.add_argument("--end", required=True, help="YYYY-MM-DD HH:MM (Shanghai)")
    add.add_argument("--place", default="")
    add.add_argument("--capacity", help="a number, or leave out for unlimited")
    add.add_argument("--deadline", help="registration deadline (default: the start)")
    add.add_argument("--key", help="your own stable name for the event")
    add.add_argument("--publish", action="store_true", help="publish at once")
    add.set_defaults(func=lambda a: run(cmd_add, a))

    imp = ev.add_parser("import", help="add or update events from a YAML or CSV file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--check", action="store_true", help="only check the file")
    imp.set_defaults(func=cmd_import)

    lst = ev.add_parser("list", help="list events that have not ended")
    lst.add_argument("--all", action="store_true", help="include past events")
    lst.set_defaults(func=lambda a: run(cmd_list, a))

    pub = ev.add_parser("publish", help="make a draft event visible to residents")
    pub.add_argument("id", type=int)
    pub.set_defaults(func=lambda a: run(cmd_publish, a))

    cancel = ev.add_parser("cancel", help="cancel an event and tell everyone signed up")
    cancel.add_argument("id", type=int)
    cancel.set_defaults(func=lambda a: run(cmd_cancel, a))

    att = ev.add_parser("attendees", help="who is registered and who is waiting")
    att.add_argument("id", type=int)
    att.add_argument("--format", choices=("table", "csv"), default="table")
    att.set_defaults(func=lambda a: run(cmd_attendees, a))

    notify = ev.add_parser(
        "notify",
        help="send one announcement to an event's registrants",
        description="The text file is YAML with one text per locale (en: …, zh_Hans: …); "
        "residents get their own locale, else English, else Chinese. A file that is not "
        "such a mapping is sent as it is to everyone.",
    )
    notify.add_argument("id", type=int)
    notify.add_argument("--text-file", type=Path, required=True)
    notify.add_argument("--waitlist", action="store_true", help="tell the waitlist too")
    notify.set_defaults(func=lambda a: run(cmd_notify, a))


def run(command: Command, args: argparse.Namespace) -> int:
    settings = get_settings()

    async def go() -> int:
        db = Database(settings.database_url, pool_size=2, schema=settings.database_schema)
        try:
            return await command(args, EventAdmin(db))
        finally:
            await db.dispose()

    try:
        return asyncio.run(go())
    except EventError as exc:
        print(f"linzhu: {ERRORS.get(exc.code, exc.code)}", file=sys.stderr)
        return 2
    except EventFileError as exc:
        print(f"linzhu: {exc}", file=sys.stderr)
        return 2


def _pairs(values: list[str], name: str) -> dict[str, str]:
    found = {}
    for value in values:
        locale, sep, text = value.partition("=")
        if not sep or locale not in LOCALES:
            raise EventFileError(
                "--" + name, [_problem(f"use LOCALE=TEXT with a locale of {', '.join(LOCALES)}")]
            )
        found[locale] = text
    return found


def _problem(message: str) -> Any:
    from bot.events.importer import Problem

    return Problem(0, message)


async def cmd_add(args: argparse.Namespace, admin: EventAdmin) -> int:
    row = {
        "key": args.key,
        "title": _pairs(args.title, "title"),
        "description": _pairs(args.description, "description"),
        "category": args.category,
        "start": args.start,
        "end": args.end,
        "place": args.place,
        "capacity": args.capacity,
        "deadline": args.deadline,
        "status": "published" if args.publish else "draft",
    }
    specs, problems = check_rows([(0, row)], tz=SHANGHAI)
    if problems:
        print("linzhu: " + "; ".join(p.message for p in problems), file=sys.stderr)
        return 2
    (view,) = await admin.save(specs)
    print(f"Added event {view.id} ({view.status}): {localized(view.title, 'en')}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    try:
        specs = load_events(args.file)
    except EventFileError as exc:
        print(f"linzhu: {len(exc.problems)} problem(s); nothing was imported:", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 2
    if args.check:
        print(f"{args.file}: {len(specs)} event(s), all valid.")
        return 0

    async def save(_args: argparse.Namespace, admin: EventAdmin) -> int:
        views = await admin.save(specs)
        for view in views:
            print(f"{view.id}\t{view.status}\t{localized(view.title, 'en')}")
        print(f"Imported {len(views)} event(s).")
        return 0

    return run(save, args)


def _row(view: EventView) -> list[str]:
    seats = "unlimited" if view.capacity is None else f"{view.registered}/{view.capacity}"
    return [
        str(view.id),
        view.status,
        format_when(view.starts_at, view.ends_at, "en"),
        view.category,
        seats,
        str(view.waitlisted),
        localized(view.title, "en"),
    ]


async def cmd_list(args: argparse.Namespace, admin: EventAdmin) -> int:
    views = await admin.list_events(include_past=args.all)
    if not views:
        print("No events.")
        return 0
    header = ["id", "status", "when (Shanghai)", "category", "registered", "waiting", "title"]
    _print_table(header, [_row(v) for v in views])
    return 0


async def cmd_publish(args: argparse.Namespace, admin: EventAdmin) -> int:
    view = await admin.publish(args.id)
    print(f"Event {view.id} is published: {localized(view.title, 'en')}")
    return 0


async def cmd_cancel(args: argparse.Namespace, admin: EventAdmin) -> int:
    told = await admin.cancel_event(args.id)
    print(f"Event {args.id} is cancelled; {told} resident(s) will be told in their language.")
    return 0


async def cmd_attendees(args: argparse.Namespace, admin: EventAdmin) -> int:
    view, people = await admin.attendees(args.id)
    qids = [str(q.get("id")) for q in view.questions]
    header = ["status", "position", "channel", "user", "locale", "signed_up", *qids]
    rows = [
        [
            p.registration.status,
            str(p.registration.waitlist_position or ""),
            p.channel,
            p.external_id,
            p.locale or "",
            p.registration.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            *(p.registration.answers.get(q, "") for q in qids),
        ]
        for p in people
    ]
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
        return 0
    print(f"{localized(view.title, 'en')}: {view.registered} registered, {view.waitlisted} waiting")
    if rows:
        _print_table(header, rows)
    return 0


async def cmd_notify(args: argparse.Namespace, admin: EventAdmin) -> int:
    try:
        raw = args.text_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"linzhu: cannot read {args.text_file}: {exc}", file=sys.stderr)
        return 2
    texts = _texts(raw)
    if not texts:
        print(f"linzhu: {args.text_file} has no text to send", file=sys.stderr)
        return 2
    unknown = sorted(set(texts) - set(LOCALES))
    if unknown:
        print(
            f"linzhu: unknown locale(s) in {args.text_file}: {', '.join(unknown)}", file=sys.stderr
        )
        return 2
    count = await admin.notify(args.id, texts, include_waitlist=args.waitlist)
    print(f"The announcement goes to {count} resident(s), each in their language.")
    return 0


def _texts(raw: str) -> dict[str, str]:
    """A YAML mapping of locale → text, or else the whole file as every locale's text."""
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict) and all(isinstance(k, str) for k in data):
        return {k: str(v).strip() for k, v in data.items() if v and str(v).strip()}
    return {"en": raw.strip()} if raw.strip() else {}


def _print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def seed_demo_events_cli(if_empty: bool) -> int:
    """`linzhu demo` calls this: the fictional demo events (see bot/events/demo.py)."""
    from zoneinfo import ZoneInfo

    from bot.events.demo import seed_demo_events

    settings = get_settings()

    async def go() -> int:
        db = Database(settings.database_url, pool_size=2, schema=settings.database_schema)
        try:
            return await seed_demo_events(db, ZoneInfo(settings.timezone), if_empty=if_empty)
        finally:
            await db.dispose()

    added = asyncio.run(go())
    print(f"Added {added} demo events." if added else "Events exist already: no demo events added.")
    return 0
