"""`linzhu backup` then `linzhu restore` into an empty database: every table's row count and
a booking, end to end (it can still be cancelled), on SQLite and PostgreSQL (pg_dump)."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlmodel import SQLModel

from bot.config import Settings
from bot.ops.backup import BackupError, backup, restore
from bot.store.consultations.bookings import BookingStore
from bot.store.db import Database
from tests.conftest import PG_URL
from tests.consultations.helpers import future, make_slots, make_user


async def row_counts(db: Database) -> dict[str, int]:
    counts = {}
    async with db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            stmt = select(func.count()).select_from(table)
            counts[table.name] = int((await session.execute(stmt)).scalar_one())
    return counts


async def seed(db: Database) -> tuple[int, int]:
    slot, _other = await make_slots(db, [future(30), future(40)])
    user_id = await make_user(db, "4242", channel="telegram")
    await make_user(db, "someone-else")
    result = await BookingStore(db).book_slot(
        user_id, slot.id or 0, topic="school", language="en", note="bring the passport"
    )
    assert result.booking is not None
    return user_id, result.booking.id


async def check_restored(
    restored: Database, before: dict[str, int], user_id: int, booking_id: int
) -> None:
    assert await row_counts(restored) == before
    store = BookingStore(restored)
    (booking,) = await store.upcoming_for(user_id)
    assert booking.id == booking_id
    assert booking.note == "bring the passport"
    assert await store.cancel(user_id, booking_id)  # the restored database works, not just reads
    assert await store.upcoming_for(user_id) == []


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_sqlite_backup_and_restore(
    db: Database, settings: Settings, db_backend: str, tmp_path: Path
) -> None:
    user_id, booking_id = await seed(db)
    before = await row_counts(db)
    file = tmp_path / "backups" / "linzhu-1.db"
    said = backup(settings, file)
    assert said.startswith("SQLite: backed up") and "online backup" in said
    with pytest.raises(BackupError, match="never replaced"):
        backup(settings, file)
    with pytest.raises(BackupError, match="already has tables"):
        restore(settings, file)  # into the live database: refused

    target = tmp_path / "restored.db"
    into = settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{target}"})
    assert restore(into, file).startswith("SQLite: restored")
    restored = Database(into.database_url)
    try:
        await check_restored(restored, before, user_id, booking_id)
    finally:
        await restored.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("db_backend", ["postgres"])
async def test_postgres_backup_and_restore_with_pg_dump(
    db: Database, settings: Settings, db_backend: str, tmp_path: Path
) -> None:
    if not all(shutil.which(t) for t in ("pg_dump", "pg_restore", "psql")):
        pytest.skip("pg_dump, pg_restore and psql are not installed")
    user_id, booking_id = await seed(db)
    before = await row_counts(db)
    file = tmp_path / "linzhu.dump"
    assert backup(settings, file).startswith("PostgreSQL: ran pg_dump")

    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = Database(PG_URL)
    async with admin.engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    into = settings.model_copy(update={"database_url": url})
    restored = Database(url, schema=settings.database_schema)
    try:
        assert restore(into, file).startswith("PostgreSQL: ran pg_restore")
        with pytest.raises(BackupError, match="has tables"):
            restore(into, file)  # a second time: no longer empty
        await check_restored(restored, before, user_id, booking_id)
    finally:
        await restored.dispose()
        async with admin.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
