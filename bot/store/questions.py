"""What staff need to see: questions Linzhu could not answer, and feedback on answers."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, update
from sqlmodel import col, select

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.tables import Feedback, UnansweredQuestion
from bot.store.upsert import insert_for

# A single letter of these scripts can be a whole word (药, 은); elsewhere it is not a question.
_WORD_SCRIPTS = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL")


def worth_filing(text: str) -> bool:
    """False for messages staff cannot act on: emoji, digits, punctuation, one stray letter."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) >= 2:
        return True
    return bool(letters) and unicodedata.name(letters[0], "").startswith(_WORD_SCRIPTS)


class QuestionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record_unanswered(
        self,
        *,
        user_id: int | None,
        channel: str,
        text: str,
        locale: str | None,
        candidates: list[dict[str, Any]] | None = None,
        outcome: str = "no_match",
    ) -> int | None:
        """Keep the question for staff; returns its id (a "did you mean" offer's buttons
        carry it, so the resident's choice lands on this row), or None when it is trivial
        (emoji, punctuation) and nothing is filed."""
        if not worth_filing(text):
            return None
        async with self.db.transaction() as session:
            row = UnansweredQuestion(
                user_id=user_id,
                channel=channel,
                text=text[:4000],
                locale=locale,
                candidates=candidates or [],
                outcome=outcome,
            )
            session.add(row)
            await session.flush()
            assert row.id is not None
            return row.id

    async def record_choice(self, question_id: int, *, user_id: int | None, chosen: str) -> bool:
        """What the resident tapped on their own "did you mean" (a topic id, or "none").

        The id comes from a button, so the row must be this resident's offer; a later tap
        replaces an earlier one. False when no such offer exists."""
        if user_id is None:
            return False
        async with self.db.transaction() as session:
            result = await session.execute(
                update(UnansweredQuestion)
                .where(
                    col(UnansweredQuestion.id) == question_id,
                    col(UnansweredQuestion.user_id) == user_id,
                    col(UnansweredQuestion.outcome) == "did_you_mean",
                )
                .values(chosen=chosen[:128], chosen_at=utcnow())
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def unanswered(
        self, limit: int = 100, since: datetime | None = None, include_resolved: bool = False
    ) -> list[UnansweredQuestion]:
        """Newest first; by default only those staff have not marked as handled."""
        conditions: list[ColumnElement[bool]] = []
        if not include_resolved:
            conditions.append(col(UnansweredQuestion.resolved_at).is_(None))
        if since is not None:
            conditions.append(col(UnansweredQuestion.created_at) >= since)
        async with self.db.session() as session:
            rows = await session.execute(
                select(UnansweredQuestion)
                .where(*conditions)
                .order_by(col(UnansweredQuestion.created_at).desc())
                .limit(limit)
            )
            return list(rows.scalars())

    async def get(self, question_id: int) -> UnansweredQuestion | None:
        async with self.db.session() as session:
            return await session.get(UnansweredQuestion, question_id)

    async def resolve(self, ids: list[int]) -> int:
        """Mark questions handled (an FAQ entry was added, staff answered); returns how many."""
        async with self.db.transaction() as session:
            result = await session.execute(
                update(UnansweredQuestion)
                .where(
                    col(UnansweredQuestion.id).in_(ids),
                    col(UnansweredQuestion.resolved_at).is_(None),
                )
                .values(resolved_at=utcnow(), resolution="resolved")
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def feedback_summary(self, since: datetime | None = None) -> list[tuple[str, int, int]]:
        """(topic, 👍 count, 👎 count) per topic, most 👎 first: what to improve."""
        helpful = func.sum(case((col(Feedback.helpful), 1), else_=0))
        unhelpful = func.sum(case((col(Feedback.helpful), 0), else_=1))
        stmt = select(Feedback.topic, helpful, unhelpful).group_by(Feedback.topic)
        if since is not None:
            stmt = stmt.where(col(Feedback.created_at) >= since)
        async with self.db.session() as session:
            rows = (await session.execute(stmt)).all()
        summary = [(str(t), int(up or 0), int(down or 0)) for t, up, down in rows]
        return sorted(summary, key=lambda row: (-row[2], row[0]))

    async def record_feedback(
        self,
        *,
        user_id: int | None,
        topic: str,
        helpful: bool,
        locale: str | None,
        comment: str | None = None,
    ) -> None:
        """The resident's vote on an answer; voting again replaces their earlier vote."""
        table = Feedback.__table__  # type: ignore[attr-defined]
        values = {"helpful": helpful, "locale": locale, "comment": comment, "created_at": utcnow()}
        stmt = insert_for(self.db.engine.dialect.name, table).values(
            user_id=user_id, topic=topic[:128], **values
        )
        stmt = stmt.on_conflict_do_update(index_elements=["user_id", "topic"], set_=values)
        async with self.db.transaction() as session:
            await session.execute(stmt)
