"""The handoff store on SQLite and PostgreSQL: one live conversation per resident, the
transcript, unread counts, an atomic claim, transfer, close, and deletion for /privacy."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.consultations.slot_patterns import PatternError
from bot.store.db import Database
from bot.store.handoff.conversations import HandoffStore
from bot.store.handoff.hours import StaffedHours
from bot.store.handoff.tables import CLAIMED, CLOSED, FROM_RESIDENT, FROM_STAFF, PENDING
from bot.store.staff.accounts import StaffAccounts
from tests.consultations.helpers import make_user

PASSWORD = "long enough secret"


async def test_one_live_conversation_per_resident(db: Database) -> None:
    store = HandoffStore(db)
    user = await make_user(db, "r1")
    first, new = await store.open(user, "web", "fr", context={"topic": "housing.rent"})
    again, new_again = await store.open(user, "web", "fr")
    assert new and not new_again and again.id == first.id
    assert first.id is not None
    await store.add_message(first.id, FROM_RESIDENT, "Bonjour")
    await store.add_message(first.id, FROM_RESIDENT, "Vous êtes là ?")
    reply = await store.add_message(first.id, FROM_STAFF, "Oui", author_id=None)
    assert reply.delivery == PENDING
    rows = await store.inbox()
    assert [r.conversation.unread for r in rows] == [2]
    assert rows[0].last_text == "Oui" and rows[0].user.external_id == "r1"
    await store.mark_read(first.id)
    assert (await store.inbox())[0].conversation.unread == 0
    assert await store.close(first.id)
    assert not await store.close(first.id)  # closed once
    assert await store.live_for(user) is None
    third, new_third = await store.open(user, "web", "fr")
    assert new_third and third.id != first.id


async def test_two_staff_claim_at_once_exactly_one_wins(db: Database) -> None:
    store = HandoffStore(db)
    accounts = StaffAccounts(db)
    a = await accounts.add("ana", PASSWORD, "desk")
    b = await accounts.add("bo", PASSWORD, "consultant")
    user = await make_user(db, "r2")
    conversation, _ = await store.open(user, "telegram", "ja")
    assert conversation.id is not None
    results = await asyncio.gather(
        *(store.claim(conversation.id, who.id) for who in (a, b, a, b, a, b))
    )
    assert results.count(True) == 1
    claimed = await store.get(conversation.id)
    assert claimed is not None and claimed.status == CLAIMED
    winner = [a, b, a, b, a, b][results.index(True)]
    assert claimed.claimed_by == winner.id
    # Transfer to the other one; the consultant's inbox then holds it, the other's not.
    other = b if winner is a else a
    assert await store.transfer(conversation.id, other.id)
    assert [r.conversation.id for r in await store.inbox(staff_id=other.id)] == [conversation.id]
    assert await store.inbox(staff_id=winner.id) == []


async def test_emergency_is_recorded_only_in_a_live_conversation(db: Database) -> None:
    store = HandoffStore(db)
    user = await make_user(db, "r3")
    assert await store.record_emergency(user, "help", "Call 120") is None
    conversation, _ = await store.open(user, "web", "en")
    assert conversation.id is not None
    assert await store.record_emergency(user, "he is not breathing", "Call 120") is not None
    fresh = await store.get(conversation.id)
    assert fresh is not None and fresh.alert and fresh.unread == 1
    texts = [(m.direction, m.emergency) for m in await store.messages(conversation.id)]
    assert texts == [("in", True), ("bot", True)]


async def test_deleting_a_residents_transcripts(db: Database) -> None:
    store = HandoffStore(db)
    user = await make_user(db, "r4")
    other = await make_user(db, "r5")
    mine, _ = await store.open(user, "web", "en")
    theirs, _ = await store.open(other, "web", "en")
    assert mine.id is not None and theirs.id is not None
    await store.add_message(mine.id, FROM_RESIDENT, "my secret")
    await store.add_message(theirs.id, FROM_RESIDENT, "theirs")
    assert await store.delete_for_user(user) == 1
    assert await store.for_user(user) == [] and await store.messages(mine.id) == []
    assert len(await store.messages(theirs.id)) == 1
    assert (await store.get(theirs.id)) is not None
    assert (await store.get(theirs.id)).status != CLOSED  # type: ignore[union-attr]


def test_staffed_hours_follow_the_week_and_the_holidays(tmp_path: Path) -> None:
    (tmp_path / "cn-2026.yaml").write_text(
        "holidays:\n  - {date: 2026-10-01, name: National Day}\n"
        "workdays:\n  - {date: 2026-10-10, name: make-up}\n",
        encoding="utf-8",
    )
    hours = StaffedHours.parse("mon-fri 09:00-12:00,13:30-17:30", holidays_dir=tmp_path)
    # 2026-09-30 is a Wednesday; 10:00 in Shanghai is 02:00 UTC.
    assert hours.is_staffed(datetime(2026, 9, 30, 2, 0, tzinfo=UTC))
    assert not hours.is_staffed(datetime(2026, 9, 30, 4, 30, tzinfo=UTC))  # 12:30 lunch
    assert hours.next_opening(datetime(2026, 9, 30, 4, 30, tzinfo=UTC)) == datetime(
        2026, 9, 30, 5, 30, tzinfo=UTC
    )
    # Thursday 1 October is a holiday: the next opening is Friday 9:00.
    assert not hours.is_staffed(datetime(2026, 10, 1, 2, 0, tzinfo=UTC))
    assert hours.next_opening(datetime(2026, 9, 30, 10, 0, tzinfo=UTC)) == datetime(
        2026, 10, 2, 1, 0, tzinfo=UTC
    )
    # Saturday 10 October is a make-up working day.
    assert hours.is_staffed(datetime(2026, 10, 10, 2, 0, tzinfo=UTC))
    assert (
        StaffedHours.parse("", holidays_dir=tmp_path).next_opening(
            datetime(2026, 9, 30, tzinfo=UTC)
        )
        is None
    )


@pytest.mark.parametrize("bad", ["mon-fri 17:00-09:00", "moon 09:00-10:00", "mon nine-ten"])
def test_bad_hours_are_refused_with_a_message(bad: str) -> None:
    with pytest.raises(PatternError):
        StaffedHours.parse(bad)


def test_bad_opening_hours_stop_the_start_with_the_setting_named() -> None:
    from bot.config import SettingsError, load_settings
    from bot.services import build_services

    settings = load_settings(handoff_hours="mon-fri 9-17", _env_file=None)
    with pytest.raises(SettingsError, match="HANDOFF_HOURS"):
        build_services(settings)
