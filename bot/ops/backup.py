"""`linzhu backup FILE` and `linzhu restore FILE`.

SQLite: Python's sqlite3 online backup API, page by page, safe while `linzhu serve` writes
(a consistent snapshot, WAL included). PostgreSQL: `pg_dump --format=custom` (and
`pg_restore`), which must be installed and no older than the server; the password travels
in PGPASSWORD, never on the command line. A restore goes only into an empty database (no
tables in the configured schema): it never mixes a backup with live data.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from bot.config import Settings


class BackupError(Exception):
    """Why the backup or the restore did not happen, and what to do."""


def sqlite_path(url: str) -> Path:
    return Path(url.split(":///", 1)[1])


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """postgresql+asyncpg://user:pw@host/db → (postgresql://user@host/db, {PGPASSWORD: pw})."""
    parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    env = dict(os.environ)
    netloc = parts.netloc
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}@{host}"
    return urlunsplit(parts._replace(netloc=netloc)), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools of your server's "
            f"version (Debian/Ubuntu: apt install postgresql-client)"
        )
    return found


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()[:2000]}")
    return done


def backup(settings: Settings, file: str | Path) -> str:
    target = Path(file)
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name (backups are never replaced)")
    target.parent.mkdir(parents=True, exist_ok=True)
    url = settings.database_url
    if settings.is_postgres:
        dsn, env = libpq(url)
        args = [_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"]
        if settings.database_schema:
            args.append(f"--schema={settings.database_schema}")
        _run([*args, dsn], env)
        return (
            f"PostgreSQL: ran pg_dump (custom format) into {target}; restore with `linzhu restore`."
        )
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"no database at {source} (DATABASE_URL); nothing to back up")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
        tables = _sqlite_tables(dst)
    finally:
        dst.close()
        src.close()
    return f"SQLite: backed up {source} into {target} (online backup, {len(tables)} tables)."


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [r[0] for r in rows]


def restore(settings: Settings, file: str | Path) -> str:
    source = Path(file)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    url = settings.database_url
    if settings.is_postgres:
        return _restore_postgres(settings, source)
    target = sqlite_path(url)
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        if "alembic_version" not in _sqlite_tables(src):
            src.close()
            raise BackupError(f"{source} is not a Linzhu SQLite backup (no alembic_version)")
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not a SQLite database: {exc}") from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    dst = sqlite3.connect(target)
    try:
        if _sqlite_tables(dst):
            raise BackupError(
                f"{target} already has tables: restore only into an empty database "
                "(move the old file away first)"
            )
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()
    return f"SQLite: restored {source} into {target}. Next: `linzhu db upgrade`, then start."


def _restore_postgres(settings: Settings, source: Path) -> str:
    dsn, env = libpq(settings.database_url)
    schema = settings.database_schema or "public"
    psql = [_tool("psql"), "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-tA", dsn, "-c"]
    count = _run(
        [*psql, f"SELECT count(*) FROM pg_tables WHERE schemaname = '{_ident(schema)}'"], env
    )
    if int(count.stdout.strip() or 0):
        raise BackupError(
            f"schema {schema} of the target database has tables: restore only into an empty "
            "database (create a new one, or set DATABASE_SCHEMA to a new schema)"
        )
    if settings.database_schema:  # the dump creates it; an empty one may be in the way
        _run([*psql, f'DROP SCHEMA IF EXISTS "{_ident(schema)}"'], env)
    args = [_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={dsn}", str(source)]
    _run(args, env)
    return f"PostgreSQL: ran pg_restore of {source}. Next: `linzhu db upgrade`, then start."


def _ident(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise BackupError(f"unexpected schema name {name!r}")
    return name
