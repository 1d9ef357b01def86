"""`linzhu staff add|list|passwd|disable|enable|link` on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from bot.cli.main import main
from bot.config import get_settings
from bot.store.db import Database
from bot.store.staff.accounts import Account, StaffAccounts
from bot.store.staff.audit import AuditLog
from tests.consultations.helpers import future, make_slots


@pytest.fixture
def cli_env(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db.url)
    if db.schema:
        monkeypatch.setenv("DATABASE_SCHEMA", db.schema)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def linzhu(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))  # not a terminal: one line
    return main(list(argv))


def verify(db: Database, username: str, password: str) -> Account | None:
    async def run() -> Account | None:
        other = Database(db.url, schema=db.schema)
        try:
            return await StaffAccounts(other).verify(username, password)
        finally:
            await other.dispose()

    return asyncio.run(run())


def test_add_list_passwd_disable(
    cli_env: None, db: Database, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    assert (
        linzhu(monkeypatch, "staff", "add", "Desk1", "--role", "desk", stdin="first secret 1\n")
        == 0
    )
    assert "Added desk1 (desk)" in capsys.readouterr().out
    assert verify(db, "desk1", "first secret 1") is not None
    assert linzhu(monkeypatch, "staff", "add", "desk1", "--role", "desk", stdin="x" * 12) == 2
    assert "taken" in capsys.readouterr().err
    assert linzhu(monkeypatch, "staff", "add", "short", "--role", "admin", stdin="abc\n") == 2
    assert "at least 10" in capsys.readouterr().err
    assert linzhu(monkeypatch, "staff", "passwd", "desk1", stdin="second secret 2\n") == 0
    assert verify(db, "desk1", "first secret 1") is None
    assert verify(db, "desk1", "second secret 2") is not None
    assert linzhu(monkeypatch, "staff", "disable", "desk1") == 0
    assert verify(db, "desk1", "second secret 2") is None
    assert linzhu(monkeypatch, "staff", "list") == 0
    listed = capsys.readouterr().out
    assert "desk1" in listed and "no" in listed.splitlines()[-1]
    assert linzhu(monkeypatch, "staff", "enable", "desk1") == 0
    assert linzhu(monkeypatch, "staff", "disable", "nobody") == 2
    actions = asyncio.run(_actions(db))
    assert actions == ["staff.enable", "staff.disable", "staff.passwd", "staff.add"]


async def _actions(db: Database) -> list[str]:
    other = Database(db.url, schema=db.schema)
    try:
        return [e.action for e in await AuditLog(other).entries()]
    finally:
        await other.dispose()


async def test_link_a_consultant_account(
    cli_env: None, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_slots(db, [future(30)], name="Ms Wang")
    code = await asyncio.to_thread(
        linzhu, monkeypatch, "staff", "add", "wang", "--role", "consultant",
        "--consultant", "Ms Wang", stdin="wang's secret\n",
    )  # fmt: skip
    assert code == 0
    (account,) = await StaffAccounts(db).list()
    assert account.role == "consultant" and account.consultant_id is not None


def test_a_change_commits_with_its_audit_row_or_not_at_all(
    cli_env: None, db: Database, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import bot.store.staff.audit as audit_module
    from bot.store.staff.tables import AuditEntry

    # The account is created, then the link fails: the account is not kept either.
    code = linzhu(
        monkeypatch, "staff", "add", "wang", "--role", "consultant", "--consultant", "Nobody",
        stdin="wang's secret\n",
    )  # fmt: skip
    assert code == 2 and "no such consultant" in capsys.readouterr().err
    # The audit row's insert fails in the database: the account is not kept.
    with monkeypatch.context() as patch:
        patch.setattr(audit_module, "AuditEntry", lambda **f: AuditEntry(**{**f, "username": None}))
        with pytest.raises(IntegrityError):
            linzhu(monkeypatch, "staff", "add", "desk1", "--role", "desk", stdin="x" * 12)
    assert asyncio.run(_usernames(db)) == []
    assert linzhu(monkeypatch, "staff", "add", "desk1", "--role", "desk", stdin="x" * 12) == 0
    assert asyncio.run(_usernames(db)) == ["desk1"]
    assert asyncio.run(_actions(db)) == ["staff.add"]


async def _usernames(db: Database) -> list[str]:
    other = Database(db.url, schema=db.schema)
    try:
        return [a.username for a in await StaffAccounts(other).list()]
    finally:
        await other.dispose()
