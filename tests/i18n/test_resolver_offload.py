"""The locale resolver detects a long text in the CPU pool ahead of time (`prepare`), and
`resolve` then finds it remembered by the detector instead of detecting it again; a
chat-length text is detected right on the event loop."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.types import Incoming, UserRef
from bot.i18n.detect import Detection, LanguageDetector
from bot.i18n.resolver import DetectingLocaleResolver


class CountingDetector(LanguageDetector):
    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    def _detect(self, text: str) -> Detection:
        self.threads.append(threading.current_thread().name)
        return super()._detect(text)


@dataclass
class Resident:
    id: int | None = 1
    channel: str = "web"
    external_id: str = "r1"
    locale: str | None = None
    locale_source: str | None = None
    platform_language: str | None = None
    first_seen: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    reminders_enabled: bool = True


def said(text: str) -> Incoming:
    return Incoming(UserRef("web", "r1"), text=text, chat_id="r1")


async def test_a_long_text_is_detected_once_off_the_loop_and_remembered() -> None:
    detector = CountingDetector()
    resolver = DetectingLocaleResolver("en", detector)
    story = f"Bonjour, ma fille a huit ans et nous venons d'arriver à Shanghai. {uuid.uuid4()} " * 8
    await resolver.prepare(story)
    choice = await resolver.resolve(said(story), Resident())
    assert choice.locale == "fr"
    assert len(detector.threads) == 1 and detector.threads[0].startswith("linzhu-cpu")


async def test_a_chat_length_text_is_detected_on_the_loop() -> None:
    detector = CountingDetector()
    resolver = DetectingLocaleResolver("en", detector)
    question = f"Wo finde ich einen Kinderarzt? {uuid.uuid4().hex[:6]}"
    await resolver.prepare(question)  # nothing ahead for a short text
    assert detector.threads == []
    choice = await resolver.resolve(said(question), Resident())
    assert choice.locale == "de"
    assert detector.threads == [threading.current_thread().name]
