"""`linzhu staff add|list|passwd|disable|enable|link`: accounts of the staff console (/staff/).

Passwords are read from standard input when it is not a terminal (one line, for scripts),
else asked twice without echo; they never appear on the command line or in a log. Each
change commits in one transaction with its audit row (`_change`), or not at all.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.config import get_settings
from bot.store.db import Database
from bot.store.staff.accounts import MIN_PASSWORD, Account, AccountError, StaffAccounts
from bot.store.staff.audit import Actor, AuditLog
from bot.store.staff.sessions import StaffSessions
from bot.store.staff.tables import ROLES

T = TypeVar("T")
CLI = Actor(None, "cli")
MESSAGES = {
    "username_invalid": "a username is 2–64 characters: lower-case letters, digits, . _ -",
    "username_taken": "that username is taken",
    "role_invalid": f"the role must be one of {', '.join(ROLES)}",
    "password_short": f"the password needs at least {MIN_PASSWORD} characters",
    "consultant_unknown": "no such consultant (see `linzhu consultants list`)",
    "not_found": "no such account (see `linzhu staff list`)",
    "not_consultant": "only a consultant account can be linked to a consultant",
}


def register(sub: Any) -> None:
    staff = sub.add_parser("staff", help="staff console accounts (/staff/)")
    s_sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    add = s_sub.add_parser("add", help="create an account (password from stdin or prompted)")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--consultant", help="consultant id or name (role consultant)")
    add.set_defaults(func=cmd_add)
    s_sub.add_parser("list", help="accounts, roles, linked consultants").set_defaults(func=cmd_list)
    passwd = s_sub.add_parser("passwd", help="set a new password (logs the account out)")
    passwd.add_argument("username")
    passwd.set_defaults(func=cmd_passwd)
    disable = s_sub.add_parser("disable", help="stop an account from logging in")
    disable.add_argument("username")
    disable.set_defaults(func=cmd_disable, active=False)
    enable = s_sub.add_parser("enable", help="allow a disabled account again")
    enable.add_argument("username")
    enable.set_defaults(func=cmd_disable, active=True)
    link = s_sub.add_parser("link", help="link a consultant account to a consultant record")
    link.add_argument("username")
    link.add_argument("consultant", help="consultant id or name")
    link.set_defaults(func=cmd_link)


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("mismatch")
    return first


def _run(work: Callable[[StaffAccounts, Database], Awaitable[T]], *, atomic: bool = False) -> T:
    async def run() -> T:
        settings = get_settings()
        db = Database(settings.database_url, pool_size=2, schema=settings.database_schema)
        try:
            if not atomic:
                return await work(StaffAccounts(db), db)
            async with db.unit_of_work():
                return await work(StaffAccounts(db), db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _change(work: Callable[[StaffAccounts, Database], Awaitable[T]]) -> T:
    """Run a change and its audit row in one transaction: both commit, or (on an error,
    an AccountError among them) neither."""
    return _run(work, atomic=True)


def _fail(exc: AccountError) -> int:
    text = "the two passwords differ" if exc.code == "mismatch" else MESSAGES.get(exc.code)
    print(f"linzhu staff: {text or exc.code}", file=sys.stderr)
    return 2


def _describe(account: Account) -> str:
    extra = f", consultant #{account.consultant_id}" if account.consultant_id else ""
    return f"{account.username} ({account.role}{extra})"


def cmd_add(args: argparse.Namespace) -> int:
    try:
        password = read_password()

        async def work(accounts: StaffAccounts, db: Database) -> Account:
            if args.consultant:
                if args.role != "consultant":
                    raise AccountError("not_consultant")
                account = await accounts.add(args.username, password, args.role)
                account = await accounts.link(account.username, args.consultant)
            else:
                account = await accounts.add(args.username, password, args.role)
            await AuditLog(db).record(
                CLI,
                "staff.add",
                account.username,
                after={"role": account.role, "consultant_id": account.consultant_id},
            )
            return account

        account = _change(work)
    except AccountError as exc:
        return _fail(exc)
    print(f"Added {_describe(account)}. Log in at /staff/login.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    accounts = _run(lambda store, _db: store.list())
    if not accounts:
        print("No staff accounts. Add one with: linzhu staff add NAME --role admin")
        return 0
    print(f"{'username':<24} {'role':<11} {'consultant':>10}  {'2FA':<4} active")
    for a in accounts:
        consultant = str(a.consultant_id or "")
        print(
            f"{a.username:<24} {a.role:<11} {consultant:>10}  {'yes' if a.totp else '':<4} "
            f"{'yes' if a.active else 'no'}"
        )
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    try:
        password = read_password()

        async def work(accounts: StaffAccounts, db: Database) -> Account:
            account = await accounts.set_password(args.username, password)
            await StaffSessions(db).end_all(account.id)
            await AuditLog(db).record(CLI, "staff.passwd", account.username)
            return account

        account = _change(work)
    except AccountError as exc:
        return _fail(exc)
    print(f"New password set for {account.username}; their sessions were ended.")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    async def work(accounts: StaffAccounts, db: Database) -> Account:
        account = await accounts.set_active(args.username, args.active)
        if not args.active:
            await StaffSessions(db).end_all(account.id)
        await AuditLog(db).record(
            CLI, "staff.enable" if args.active else "staff.disable", account.username
        )
        return account

    try:
        account = _change(work)
    except AccountError as exc:
        return _fail(exc)
    print(f"{account.username} is {'enabled' if account.active else 'disabled'}.")
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    async def work(accounts: StaffAccounts, db: Database) -> Account:
        account = await accounts.link(args.username, args.consultant)
        await AuditLog(db).record(
            CLI, "staff.link", account.username, after={"consultant_id": account.consultant_id}
        )
        return account

    try:
        account = _change(work)
    except AccountError as exc:
        return _fail(exc)
    print(f"Linked {_describe(account)}.")
    return 0
