"""What staff need to see: questions Linzhu could not answer, and feedback on answers."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from bot.store.db import Database
from bot.store.models import Feedback, UnansweredQuestion


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
    ) -> None:
        async with self.db.transaction() as session:
            session.add(
                UnansweredQuestion(
                    user_id=user_id,
                    channel=channel,
                    text=text[:4000],
                    locale=locale,
                    candidates=candidates or [],
                )
            )

    async def unanswered(self, limit: int = 100) -> list[UnansweredQuestion]:
        async with self.db.session() as session:
            rows = await session.execute(
                select(UnansweredQuestion)
                .where(col(UnansweredQuestion.resolved_at).is_(None))
                .order_by(col(UnansweredQuestion.created_at).desc())
                .limit(limit)
            )
            return list(rows.scalars())

    async def record_feedback(
        self,
        *,
        user_id: int | None,
        topic: str,
        helpful: bool,
        locale: str | None,
        comment: str | None = None,
    ) -> None:
        async with self.db.transaction() as session:
            session.add(
                Feedback(
                    user_id=user_id, topic=topic, helpful=helpful, locale=locale, comment=comment
                )
            )
