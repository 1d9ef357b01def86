"""Proactive messages (reminders, notices): the interface channels implement for the outbox.

The reminder dispatcher renders a message in the user's locale at send time and calls the
user's channel's sender; the result tells it whether to mark the row sent, retry later, or
stop for good (blocked bot, closed WeChat window with no template).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.core.types import Reply, UserRef


@dataclass(frozen=True)
class SendResult:
    status: Literal["sent", "retry", "failed"]
    retry_after: float | None = None  # seconds, when the platform said how long to wait
    reason: str | None = None
    # The platform only lets us write within a time after the resident's last message
    # (WeChat's 48 hours) and that time is over: nothing was sent.
    window_closed: bool = False

    @classmethod
    def sent(cls) -> SendResult:
        return cls("sent")

    @classmethod
    def retry(cls, reason: str, after: float | None = None) -> SendResult:
        return cls("retry", after, reason)

    @classmethod
    def failed(cls, reason: str, *, window_closed: bool = False) -> SendResult:
        return cls("failed", None, reason, window_closed)


class Sender(Protocol):
    channel: str

    async def send(self, user: UserRef, replies: list[Reply]) -> SendResult: ...
