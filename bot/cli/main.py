"""The `linzhu` command: the parser and main; each area adds its sub-commands in a module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__
from bot.config import SettingsError
from bot.i18n import CatalogError


def build_parser() -> argparse.ArgumentParser:
    from bot.cli import (
        bookings,
        consultations,
        core,
        demo,
        events,
        faq,
        guided,
        ops,
        questions,
        reminders,
        staff,
        telegram,
        wechat,
    )

    parser = argparse.ArgumentParser(
        prog="linzhu",
        description="Linzhu (邻助): the multilingual assistant of the Hongqiao international "
        "residents' services. Settings come from the environment or .env "
        "(see .env.example).",
    )
    parser.add_argument("--version", action="version", version=f"linzhu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (
        core,
        faq,
        questions,
        guided,
        consultations,
        bookings,
        events,
        demo,
        reminders,
        staff,
        telegram,
        wechat,
        ops,
    ):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except (SettingsError, CatalogError) as exc:
        print(f"linzhu: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return int(result or 0)
