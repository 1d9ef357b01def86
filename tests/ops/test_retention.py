"""Retention (PIPL) on SQLite and PostgreSQL: each kind goes after its period, nothing
younger, a dry run changes nothing, and the daily loop runs once however many try."""

from __future__ import annotations

import asyncio
import io
from contextlib import redirect_stdout
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.cli.main import main
from bot.config import Settings
from bot.core.types import utcnow
from bot.ops.retention import RetentionLoop, run_if_due
from bot.store.consultations.tables import Booking, Consultant, Slot
from bot.store.db import Database
from bot.store.events.tables import Event, Registration
from bot.store.handoff.tables import CLOSED, HandoffConversation, HandoffMessage
from bot.store.outbox import OutboxMessage
from bot.store.retention import RetentionPolicy, RetentionStore
from bot.store.tables import ActivityLog, ConversationState, Feedback, UnansweredQuestion, User
from bot.store.webhistory import WebHistoryEntry
from bot.store.websessions import WebSession

POLICY = RetentionPolicy(
    state_days=30,
    booking_days=90,
    questions_days=180,
    activity_days=365,
    inactive_days=730,
    transcripts_days=365,
    registration_days=90,
    feedback_days=365,
)
EXPECTED = {
    "conversation_state": 1,
    "booking_notes": 1,
    "unanswered_questions": 1,
    "activity_log": 1,
    "inactive_residents": 1,
    "transcripts": 1,
    "registration_answers": 1,
    "feedback_comments": 1,
}


def ago(days: float) -> datetime:
    return utcnow() - timedelta(days=days)


async def seed(db: Database) -> dict[str, int]:
    """Two of each kind: one past its period, one within it (plus a resident long silent
    whose booking is still ahead, who stays)."""
    async with db.transaction() as session:
        gone = User(channel="web", external_id="gone", last_seen=ago(800), contact="tel:+1")
        kept = User(channel="telegram", external_id="kept", last_seen=ago(1))
        ahead = User(channel="telegram", external_id="ahead", last_seen=ago(800))
        session.add_all([gone, kept, ahead])
        await session.flush()
        assert gone.id and kept.id and ahead.id
        session.add(WebSession(token_hash="h" * 64, external_id="gone", created_at=ago(800),
                               last_seen=ago(800)))  # fmt: skip
        session.add(WebHistoryEntry(external_id="gone", role="user", body={"text": "hi"},
                                    created_at=ago(800)))  # fmt: skip
        # Conversations with staff: closed long ago, closed recently, and one still open.
        for closed in (400, 10, None):
            talk = HandoffConversation(
                user_id=kept.id, channel="telegram", locale="en",
                status=CLOSED if closed else "open", open_key=None if closed else kept.id,
                opened_at=ago(closed or 500), last_activity_at=ago(closed or 500),
                closed_at=ago(closed) if closed else None,
            )  # fmt: skip
            session.add(talk)
            await session.flush()
            assert talk.id
            session.add(HandoffMessage(conversation_id=talk.id, direction="in", text="help",
                                       created_at=ago(closed or 500)))  # fmt: skip
        session.add(ConversationState(user_id=kept.id, flow="book", updated_at=ago(1)))
        session.add(ConversationState(user_id=ahead.id, flow="book", updated_at=ago(40)))
        for days in (200, 1):
            session.add(UnansweredQuestion(user_id=kept.id, channel="telegram",
                                           text=f"q{days}", created_at=ago(days)))  # fmt: skip
        for days in (400, 1):
            session.add(ActivityLog(kind="x", user_id=kept.id, created_at=ago(days)))
        consultant = Consultant(name="C", languages=["en"], topics=["school"])
        session.add(consultant)
        await session.flush()
        slots = [
            Slot(consultant_id=consultant.id, starts_at=start, ends_at=start + timedelta(hours=1))
            for start in (ago(100), ago(10), utcnow() + timedelta(days=3))
        ]
        session.add_all(slots)
        await session.flush()
        old = Booking(slot_id=slots[0].id, user_id=kept.id, topic="school", language="en",
                      note="old note", contact="tel:+8613800000000", status="attended")  # fmt: skip
        recent = Booking(slot_id=slots[1].id, user_id=kept.id, topic="school", language="en",
                         note="recent note", status="attended")  # fmt: skip
        upcoming = Booking(slot_id=slots[2].id, user_id=ahead.id, topic="school", language="en")
        session.add_all([old, recent, upcoming])
        await session.flush()
        session.add(OutboxMessage(user_id=gone.id, channel="web", kind="note", payload={},
                                  due_at=ago(799), dedupe_key="gone:1"))  # fmt: skip
        # Events that ended long ago, recently, and one that began long ago but ended
        # recently (the end counts); a resident answered the sign-up questions of each.
        signed = []
        for start, end in ((100, 99.9), (10, 9.9), (100, 80)):
            event = Event(title={"en": "E"}, category="family", starts_at=ago(start),
                          ends_at=ago(end))  # fmt: skip
            session.add(event)
            await session.flush()
            assert event.id
            signed.append(Registration(event_id=event.id, user_id=kept.id, status="registered",
                                       answers={"children": "2", "phone": "+8613800000000"},
                                       checked_in_at=ago(start)))  # fmt: skip
        # Someone who answered nothing: nothing to erase, so not counted.
        signed.append(Registration(event_id=signed[0].event_id, user_id=ahead.id,
                                   status="registered"))  # fmt: skip
        session.add_all(signed)
        # Comments on answers: one past its period, one within it, and an old bare vote.
        for topic, days, comment in (("a", 400, "I live at No. 3"), ("b", 10, "recent"),
                                     ("c", 400, None)):  # fmt: skip
            session.add(Feedback(user_id=kept.id, topic=topic, helpful=False, comment=comment,
                                 created_at=ago(days)))  # fmt: skip
        await session.flush()
        return {"gone": gone.id, "kept": kept.id, "ahead": ahead.id, "old": old.id or 0,
                "recent": recent.id or 0, "old_reg": signed[0].id or 0,
                "recent_reg": signed[1].id or 0, "long_reg": signed[2].id or 0}  # fmt: skip


async def count(db: Database, table: type, *where: object) -> int:
    async with db.session() as session:
        stmt = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
        return int((await session.execute(stmt)).scalar_one())


async def test_each_kind_goes_after_its_period_and_nothing_younger(db: Database) -> None:
    ids = await seed(db)
    store = RetentionStore(db)
    assert await store.run(POLICY, dry_run=True) == EXPECTED
    assert await count(db, User) == 3  # the dry run changed nothing
    assert await count(db, ConversationState) == 2

    assert await store.run(POLICY) == EXPECTED
    assert await store.run(POLICY, dry_run=True) == dict.fromkeys(EXPECTED, 0)
    assert await count(db, User, col(User.id) == ids["gone"]) == 0
    assert await count(db, User, col(User.id).in_([ids["kept"], ids["ahead"]])) == 2
    assert await count(db, WebSession, col(WebSession.external_id) == "gone") == 0
    assert await count(db, WebHistoryEntry, col(WebHistoryEntry.external_id) == "gone") == 0
    assert await count(db, HandoffConversation) == 2  # the recent and the open one stay
    assert await count(db, HandoffMessage) == 2  # the old transcript went with it
    assert await count(db, OutboxMessage) == 0  # the resident's messages went with them
    assert await count(db, ConversationState) == 1
    assert await count(db, UnansweredQuestion) == 1
    assert await count(db, ActivityLog) == 1
    async with db.session() as session:
        old = await session.get(Booking, ids["old"])
        recent = await session.get(Booking, ids["recent"])
    assert old is not None and recent is not None
    assert (old.note, old.contact, old.status) == (None, None, "attended")  # the row stays
    assert recent.note == "recent note"
    async with db.session() as session:
        regs = {n: await session.get(Registration, ids[n])
                for n in ("old_reg", "recent_reg", "long_reg")}  # fmt: skip
        comments = dict(
            (await session.execute(select(col(Feedback.topic), col(Feedback.comment))))
            .tuples()
            .all()
        )
    old_reg, recent_reg, long_reg = regs["old_reg"], regs["recent_reg"], regs["long_reg"]
    assert old_reg is not None and recent_reg is not None and long_reg is not None
    # The old event's answers are gone; the registration stays, checked in, for the counts.
    assert old_reg.answers == {}
    assert (old_reg.status, old_reg.checked_in_at is not None) == ("registered", True)
    assert recent_reg.answers["children"] == "2"
    assert long_reg.answers["children"] == "2"  # it ended 80 days ago, though begun 100 ago
    assert await count(db, Registration) == 4
    assert comments == {"a": None, "b": "recent", "c": None}  # every vote stays


async def test_zero_keeps_a_kind(db: Database) -> None:
    await seed(db)
    policy = RetentionPolicy(0, 0, 0, 0, 0, 0, 0, 0)
    assert await RetentionStore(db).run(policy) == {}
    assert await count(db, UnansweredQuestion) == 2
    assert await count(db, Registration, col(Registration.answers) != {}) == 3
    assert await count(db, Feedback, col(Feedback.comment).is_not(None)) == 2


async def test_the_new_kinds_alone_and_their_dry_run(db: Database) -> None:
    """Sign-up answers and feedback comments each follow their own setting: 0 keeps one
    while the other goes, and a dry run counts without erasing."""
    ids = await seed(db)
    store = RetentionStore(db)
    only_answers = RetentionPolicy(0, 0, 0, 0, 0, 0, registration_days=90, feedback_days=0)
    assert await store.run(only_answers, dry_run=True) == {"registration_answers": 1}
    async with db.session() as session:
        reg = await session.get(Registration, ids["old_reg"])
    assert reg is not None and reg.answers["phone"] == "+8613800000000"  # still there
    assert await store.run(only_answers) == {"registration_answers": 1}
    assert await count(db, Feedback, col(Feedback.comment).is_not(None)) == 2  # kept (0)
    # At 5 days the events that ended 9.9 and 80 days ago are past it too.
    assert await store.run(RetentionPolicy(0, 0, 0, 0, 0, 0, 5, 0)) == {"registration_answers": 2}
    assert await count(db, Registration, col(Registration.answers) != {}) == 0
    assert await count(db, Registration) == 4

    only_comments = RetentionPolicy(0, 0, 0, 0, 0, 0, registration_days=0, feedback_days=365)
    assert await store.run(only_comments, dry_run=True) == {"feedback_comments": 1}
    assert await count(db, Feedback, col(Feedback.comment).is_not(None)) == 2
    assert await store.run(only_comments) == {"feedback_comments": 1}
    assert await count(db, Feedback, col(Feedback.comment).is_not(None)) == 1
    assert await count(db, Feedback) == 3


async def test_the_daily_run_happens_once_however_many_dispatchers_try(db: Database) -> None:
    await seed(db)
    first = await run_if_due(db, POLICY)
    assert first == EXPECTED
    assert await run_if_due(db, POLICY) is None  # another dispatcher, the same day
    loop = RetentionLoop(db, POLICY, first=0, every=0.01)
    await loop.start()
    try:
        await asyncio.sleep(0.2)
    finally:
        await loop.stop()
    assert loop.runs == 0


async def run_cli(*argv: str) -> str:
    """The command in a thread (it runs its own event loop), its output captured."""

    def run() -> str:
        out = io.StringIO()
        with redirect_stdout(out):
            assert main(list(argv)) == 0
        return out.getvalue()

    return await asyncio.to_thread(run)


async def test_the_command_prints_what_it_would_delete(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(db)
    monkeypatch.setattr("bot.cli.ops.get_settings", lambda: settings)
    text = await run_cli("retention", "run", "--dry-run")
    assert "would delete      1 inactive_residents" in text
    assert "would delete      1 unanswered_questions: unanswered questions older than 180" in text
    assert "Dry run: nothing was changed." in text
    assert await count(db, User) == 3
    assert "would delete      1 registration_answers: registrations' sign-up answers" in text
    assert "would delete      1 feedback_comments: feedback comments older than 365" in text
    done = await run_cli("retention", "run")
    assert "deleted      1 booking_notes" in done
    assert "deleted      1 feedback_comments" in done
    assert await count(db, User) == 2


async def test_a_deleted_residents_comments_do_not_stay_behind(db: Database) -> None:
    """Deleting an inactive resident keeps their votes (anonymous) but not their words: an
    anonymous comment could not be erased at their request any more, and with comments kept
    for good (RETENTION_FEEDBACK_DAYS=0) it would outlive them."""
    ids = await seed(db)
    async with db.transaction() as session:
        session.add(Feedback(user_id=ids["gone"], topic="z", helpful=True, comment="my flat 3B"))
        session.add(Feedback(user_id=ids["kept"], topic="y", helpful=True, comment="staying"))
    only_inactive = RetentionPolicy(0, 0, 0, 0, 730, 0, 0, 0)
    assert await RetentionStore(db).run(only_inactive) == {"inactive_residents": 1}
    async with db.session() as session:
        rows = (
            await session.execute(
                select(col(Feedback.topic), col(Feedback.user_id), col(Feedback.comment))
            )
        ).all()
    by_topic = {topic: (user_id, comment) for topic, user_id, comment in rows}
    assert by_topic["z"] == (None, None)  # the vote stays, anonymous and without the words
    assert by_topic["y"] == (ids["kept"], "staying")
