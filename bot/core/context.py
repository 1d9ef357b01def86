"""What a handler gets besides the message: the user, their flow state, the services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from bot.core.locale import LocaleChoice, current_locale
from bot.core.state import FlowState
from bot.core.types import Reply

S = TypeVar("S")

# Context.hints a channel understands: STAFF_ANSWERING (bool) says that a conversation with
# staff is live after this message (the web page offers a file upload then).
STAFF_ANSWERING = "staff_answering"


class UserRecord(Protocol):
    """The resident as the store hands them to the dispatcher and handlers."""

    id: int | None
    channel: str
    external_id: str
    locale: str | None
    locale_source: str | None
    platform_language: str | None
    first_seen: datetime
    reminders_enabled: bool


@dataclass
class Context(Generic[S]):
    """Per message: `services` is the application's (bot.services.Services for handlers)."""

    services: S
    user: UserRecord
    state: FlowState
    locale: str
    choice: LocaleChoice
    new_locale: tuple[str, str] | None = field(default=None, init=False)
    # Replies a guard puts in front of whatever answers the message (a safety question
    # that must not hold up the answer).
    preface: list[Reply] = field(default_factory=list, init=False)
    # What became of the message, for the metrics (bot/core/observe.py): "answered",
    # "did_you_mean", "not_covered", "emergency"; unset means a command, button or flow step.
    outcome: str | None = field(default=None, init=False)
    # What a channel may show besides the replies, by name (HINTS): set by the handler that
    # knows, so a channel need not ask the store again for every message.
    hints: dict[str, object] = field(default_factory=dict, init=False)
    # Work that talks to the network about what this message changed (a staff reply sent to
    # a resident): run once the message's unit of work has committed, never inside it.
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list, init=False)

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    def set_locale(self, locale: str, source: str = "explicit") -> None:
        """Switch the reply locale now and store it with the user after the handler."""
        self.locale = locale
        self.new_locale = (locale, source)
        current_locale.set(locale)
