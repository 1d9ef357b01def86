"""The FAQ overlay: phrasings staff add to entries from the unanswered inbox.

Kept in the database so every worker (and `linzhu ask`) applies the same alternates; the
knowledge base merges them into its entries (bot/knowledge/base.py: `set_overlay`), and
`linzhu faq export-overlay` writes them out for review into faq/.
"""

from __future__ import annotations

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.staff.tables import FaqAlternate
from bot.store.tables import UnansweredQuestion

# faq_id → locale → alternates, in the order they were added.
Overlay = dict[str, dict[str, list[str]]]
ALTERNATE, NOT_COVERED, DISMISSED = "alternate", "not_covered", "dismissed"


class FaqOverlayStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        faq_id: str,
        locale: str,
        text: str,
        *,
        added_by: str,
        question_id: int | None = None,
    ) -> bool:
        """Add a phrasing (and mark its question handled) in one transaction.

        False when the entry already had exactly this phrasing in the overlay.
        """
        text = " ".join(text.split())[:500]
        if not text:
            return False
        try:
            async with self.db.transaction() as session:
                session.add(
                    FaqAlternate(
                        faq_id=faq_id,
                        locale=locale,
                        text=text,
                        question_id=question_id,
                        added_by=added_by[:64],
                    )
                )
                await session.flush()
                if question_id is not None:
                    await _resolve(session, question_id, ALTERNATE, faq_id)
            return True
        except IntegrityError:
            if question_id is not None:
                await self.resolve(question_id, ALTERNATE, faq_id)
            return False

    async def resolve(self, question_id: int, resolution: str, topic: str | None = None) -> bool:
        """Mark an unanswered question handled (not covered, dismissed, …)."""
        async with self.db.transaction() as session:
            return await _resolve(session, question_id, resolution, topic)

    async def remove(self, alternate_id: int) -> FaqAlternate | None:
        async with self.db.transaction() as session:
            row = await session.get(FaqAlternate, alternate_id)
            if row is not None:
                await session.execute(
                    delete(FaqAlternate).where(col(FaqAlternate.id) == alternate_id)
                )
            return row

    async def rows(self) -> list[FaqAlternate]:
        async with self.db.session() as session:
            query = select(FaqAlternate).order_by(col(FaqAlternate.faq_id), col(FaqAlternate.id))
            return list((await session.execute(query)).scalars())

    async def overlay(self) -> Overlay:
        found: Overlay = {}
        for row in await self.rows():
            found.setdefault(row.faq_id, {}).setdefault(row.locale, []).append(row.text)
        return found

    async def version(self) -> tuple[int, int]:
        """(count, largest id): changes whenever a phrasing is added or removed."""
        async with self.db.session() as session:
            count, top = (
                await session.execute(
                    select(func.count(col(FaqAlternate.id)), func.max(col(FaqAlternate.id)))
                )
            ).one()
            return int(count or 0), int(top or 0)


async def _resolve(
    session: AsyncSession, question_id: int, resolution: str, topic: str | None
) -> bool:
    result = await session.execute(
        update(UnansweredQuestion)
        .where(col(UnansweredQuestion.id) == question_id)
        .values(resolved_at=utcnow(), resolution=resolution, resolved_topic=topic)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
