"""`linzhu faq check|stats|reload` and `linzhu ask`."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bot.config import get_settings


def register(sub: Any) -> None:
    faq = sub.add_parser("faq", help="check, inspect and reload the FAQ (faq/)")
    faq_sub = faq.add_subparsers(dest="faq_command", metavar="ACTION", required=True)
    check = faq_sub.add_parser("check", help="validate faq/; exit 1 on any problem")
    check.add_argument("--dir", type=Path, help="FAQ folder (default: FAQ_DIR)")
    check.add_argument("--spec", type=Path, help="topic spec whose ids must all have entries")
    check.set_defaults(func=cmd_check)
    stats = faq_sub.add_parser("stats", help="entries per category, translations, reviews")
    stats.add_argument("--dir", type=Path, help="FAQ folder (default: FAQ_DIR)")
    stats.set_defaults(func=cmd_stats)
    reload = faq_sub.add_parser("reload", help="make running `linzhu serve` re-read faq/")
    reload.set_defaults(func=cmd_reload)
    export = faq_sub.add_parser(
        "export-overlay", help="the alternates staff added in the console, as faq/ YAML"
    )
    export.add_argument("--output", type=Path, help="write to this file (default: stdout)")
    export.set_defaults(func=cmd_export_overlay)

    ask = sub.add_parser("ask", help="ask Linzhu a question as a resident would")
    ask.add_argument("text", nargs="?", help="the question")
    ask.add_argument("--json", action="store_true", help="print the decision as JSON")
    ask.add_argument(
        "--batch", action="store_true", help='read JSON lines {"text": ...} from stdin'
    )
    ask.add_argument(
        "--no-overlay",
        action="store_true",
        help="faq/ alone, without the alternates staff added in the console",
    )
    ask.set_defaults(func=cmd_ask)


def cmd_check(args: argparse.Namespace) -> int:
    from bot.cli.guided import check_content
    from bot.knowledge.loader import load_faq, required_ids_from_spec

    folder = args.dir or get_settings().faq_dir
    required = required_ids_from_spec(args.spec) if args.spec else None
    result = load_faq(folder, required)
    problems = [str(p) for p in result.problems] + check_content(folder)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return 1
    print(f"{len(result.entries)} entries, directories and phrase cards: no problems.")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.i18n.locales import LOCALES
    from bot.knowledge.loader import load_faq

    result = load_faq(args.dir or get_settings().faq_dir)
    entries = list(result.entries.values())
    print("Entries per category:")
    for category, count in sorted(Counter(e.category for e in entries).items()):
        print(f"  {category:<14} {count}")
    print(f"  {'total':<14} {len(entries)}")
    print("Translations (entries with the locale / alternates):")
    for locale in LOCALES:
        have = [e for e in entries if e.has_locale(locale)]
        alternates = sum(len(e.locales[locale].alternates) for e in have)
        share = 100 * len(have) / len(entries) if entries else 0.0
        print(
            f"  {locale:<8} {len(have):>3}/{len(entries)} ({share:.0f}%)  {alternates} alternates"
        )
    needing = sorted(e.id for e in entries if e.review != "ok")
    print(f"Needing review: {len(needing)}")
    for faq_id in needing:
        print(f"  {faq_id}")
    if result.problems:
        print(f"{len(result.problems)} problem(s): run `linzhu faq check`")
    return 0


def cmd_reload(args: argparse.Namespace) -> int:
    from bot.knowledge.reload import signal_servers

    signalled = signal_servers(get_settings().run_dir)
    if not signalled:
        print("No running `linzhu serve` found (it re-reads faq/ on its own when files change).")
        return 1
    print(f"Asked {len(signalled)} server process(es) to reload faq/: {signalled}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.cli.ask import Asker
    from bot.logs import setup_logging

    settings = get_settings()
    setup_logging("WARNING", settings)
    asker = Asker.from_settings(settings, overlay=not args.no_overlay)
    if args.batch:
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                text = str(json.loads(line)["text"])
            except (ValueError, KeyError, TypeError):
                print(json.dumps({"error": "expected a JSON object with a text field"}))
                continue
            print(json.dumps(asker.ask(text).as_json(), ensure_ascii=False), flush=True)
        return 0
    if not args.text:
        print("linzhu ask: give a question, or --batch", file=sys.stderr)
        return 2
    result = asker.ask(args.text)
    if args.json:
        print(json.dumps(result.as_json(detail=True), ensure_ascii=False, indent=2))
    else:
        print(asker.render(result))
    return 0


def cmd_export_overlay(args: argparse.Namespace) -> int:
    """One YAML document per entry, in faq/'s format (id, then locales → alternates), with the
    file it belongs in: copy the alternates into that file, run `linzhu faq check`, commit."""
    import asyncio

    import yaml

    from bot.cli.ask import read_overlay
    from bot.knowledge.loader import load_faq

    settings = get_settings()
    overlay = asyncio.run(read_overlay(settings))
    entries = load_faq(settings.faq_dir).entries
    documents = []
    for faq_id in sorted(overlay):
        entry = entries.get(faq_id)
        where = entry.path if entry is not None and entry.path else "(no such entry in faq/)"
        body = yaml.safe_dump(
            {
                "id": faq_id,
                "locales": {
                    locale: {"alternates": list(texts)}
                    for locale, texts in sorted(overlay[faq_id].items())
                },
            },
            allow_unicode=True,
            sort_keys=False,
            width=100,
        )
        documents.append(f"# add to {where}\n{body}")
    text = "---\n".join(documents) if documents else "# no alternates in the overlay\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(
            f"{len(documents)} entr{'y' if len(documents) == 1 else 'ies'} written to {args.output}"
        )
    else:
        sys.stdout.write(text)
    return 0
