"""`linzhu wechat menu`: publish the official account's menu from wechat/menu.yaml."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from bot.config import get_settings

REFUSED_LANGUAGE_RULE = 65320  # WeChat: matchrule with private data (language) refused


def register(sub: Any) -> None:
    wechat = sub.add_parser("wechat", help="WeChat official account tasks")
    actions = wechat.add_subparsers(dest="wechat_command", metavar="ACTION", required=True)
    menu = actions.add_parser(
        "menu", help="publish the account menu (default and per-language menus)"
    )
    menu.add_argument("--file", type=Path, help="menu file (default: WECHAT_MENU_FILE)")
    menu.add_argument(
        "--dry-run", action="store_true", help="check the file and print the JSON only"
    )
    menu.set_defaults(func=cmd_menu)


def cmd_menu(args: argparse.Namespace) -> int:
    from bot.channels.wechat.menu import MenuError, load_menu

    settings = get_settings()
    path = args.file or settings.wechat_menu_file
    try:
        menu = load_menu(path)
    except MenuError as exc:
        print(f"linzhu: {exc}", file=sys.stderr)
        return 1
    bodies: list[tuple[str | None, dict[str, Any]]] = [(None, menu.build())]
    if menu.language_menus:
        bodies.extend(menu.conditional())
    if args.dry_run:
        for language, body in bodies:
            print(f"# {language or 'default menu'}")
            print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    if not settings.wechat_app_id or not settings.wechat_app_secret:
        print("linzhu: set WECHAT_APP_ID and WECHAT_APP_SECRET first", file=sys.stderr)
        return 2
    return asyncio.run(publish(bodies))


async def publish(bodies: list[tuple[str | None, dict[str, Any]]]) -> int:
    from bot.channels.wechat.api import WeChatApi, WeChatError, WeChatUnavailable
    from bot.store.db import Database

    settings = get_settings()
    db = Database(settings.database_url, pool_size=2, schema=settings.database_schema)
    api = WeChatApi(settings, db)
    try:
        # Deleting removes the conditional menus too, so a re-run never piles them up.
        await api.call("/cgi-bin/menu/delete", method="GET")
        for language, body in bodies:
            if language is None:
                await api.call("/cgi-bin/menu/create", body)
                print("Published the default menu.")
                continue
            try:
                await api.call("/cgi-bin/menu/addconditional", body)
            except WeChatError as exc:
                if exc.errcode != REFUSED_LANGUAGE_RULE:
                    raise
                print(
                    "WeChat no longer accepts per-language menus for this account "
                    f"({exc.errcode}: {exc.errmsg}); everyone sees the default menu. "
                    "Set `language_menus: false` in the menu file to skip them.",
                    file=sys.stderr,
                )
                return 0
            print(f"Published the menu for WeChat language {language}.")
        return 0
    except (WeChatError, WeChatUnavailable) as exc:
        print(f"linzhu: publishing the menu failed: {exc}", file=sys.stderr)
        return 1
    finally:
        await api.close()
        await db.dispose()
