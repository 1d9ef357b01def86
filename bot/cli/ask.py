"""`linzhu ask`: the chat pipeline's language detection and retrieval, without a user."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.handlers.faq import decision_reply
from bot.i18n.detect import LanguageDetector
from bot.i18n.policy import decide_reply_locale
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.retrieval import Decision
from bot.store.db import Database
from bot.store.staff.overlay import FaqOverlayStore, Overlay

log = logging.getLogger(__name__)


def has_database(settings: Settings) -> bool:
    """False for a SQLite file not created yet: nothing staff added, and none to create."""
    if not settings.database_url.startswith("sqlite"):
        return True
    return Path(settings.database_url.split(":///", 1)[1]).exists()


async def read_overlay(settings: Settings) -> Overlay:
    """The alternates staff added in the console; none (with a warning) without a database."""
    db = Database(settings.database_url, pool_size=1, schema=settings.database_schema)
    try:
        return await FaqOverlayStore(db).overlay()
    except Exception as exc:  # not migrated yet, or unreachable: answer from faq/ alone
        log.warning(
            "faq overlay not read from the database (%s; run `linzhu db upgrade`?); "
            "answering from faq/ only",
            type(exc).__name__,
        )
        return {}
    finally:
        await db.dispose()


@dataclass(frozen=True)
class AskResult:
    text: str
    lang: str
    decision: Decision

    def as_json(self, detail: bool = False) -> dict[str, Any]:
        """The batch line: faq_id is null unless Linzhu would answer from the FAQ."""
        topics = [c for c in self.decision.candidates if c.kind == "topic"][:3]
        out: dict[str, Any] = {
            "text": self.text,
            "lang": self.lang,
            "faq_id": self.decision.faq_id,
            "score": round(self.decision.score, 4),
            "candidates": [{"faq_id": c.faq_id, "score": c.score} for c in topics],
        }
        if detail:
            out["decision"] = self.decision.outcome
            out["confidence"] = round(self.decision.confidence, 4)
            if self.decision.entry is not None:
                out["entry"] = self.decision.entry.id
            out["choices"] = [e.id for e in self.decision.choices]
        return out


class Asker:
    def __init__(
        self,
        knowledge: KnowledgeBase,
        default_locale: str = "en",
        settings: Settings | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.detector = LanguageDetector()
        self.default_locale = default_locale
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: Settings, *, overlay: bool = True) -> Asker:
        """faq/ with the staff's overlay from the database, as `serve` answers (or faq/
        alone: evaluations measure the curated content)."""
        knowledge = KnowledgeBase.from_settings(
            settings.faq_dir, settings.faq_encoder, settings.faq_cache_dir
        )
        alternates = (
            asyncio.run(read_overlay(settings)) if overlay and has_database(settings) else {}
        )
        if alternates:
            knowledge.set_overlay(alternates)
        return cls(knowledge, settings.default_locale, settings)

    def ask(self, text: str) -> AskResult:
        # The chat's own rule for a first message from someone Linzhu knows nothing about.
        decision = decide_reply_locale(
            self.detector.detect(text),
            stored_locale=None,
            stored_source=None,
            platform_hint=None,
            default=self.default_locale,
        )
        # A long message is read as the chat reads it (the encoders read its window).
        return AskResult(text, decision.locale, self.knowledge.decide(text))

    def render(self, result: AskResult) -> str:
        """The reply as a resident would see it, buttons as numbered choices."""
        reply = decision_reply(result.decision, result.lang, self.knowledge, settings=self.settings)
        lines = [reply.text]
        for number, button in enumerate(reply.buttons, start=1):
            lines.append(f"  {number}. {button.label}")
        return "\n".join(lines)
