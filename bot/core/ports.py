"""What the dispatcher needs from the layers above it, as small protocols.

`bot.services` implements them with the store and the language detector; core never
imports those, so the floor stays the floor.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.context import UserRecord
from bot.core.locale import LocaleChoice
from bot.core.state import FlowState
from bot.core.types import Incoming, UserRef


@dataclass(frozen=True)
class Opened:
    """A user and their conversation state, loaded at the start of a message."""

    user: UserRecord
    state: FlowState


class ConversationStore(Protocol):
    """Users and conversation state, for the dispatcher."""

    @property
    def in_flight_limit(self) -> int:
        """How many messages may be handled at once (bounded by the database pool)."""

    def user_lock(self, key: str) -> AbstractAsyncContextManager[None]:
        """Serialise one user's messages across worker processes."""

    async def open(self, ref: UserRef, *, platform_language: str | None, now: datetime) -> Opened:
        """Find or create the user, record this message's time, load their state."""

    async def save(
        self,
        user_id: int,
        *,
        state: FlowState | None,
        locale: tuple[str, str] | None,
        now: datetime,
    ) -> None:
        """Store the changed state and/or the user's new locale (locale, source)."""


class LocaleResolver(Protocol):
    def resolve(
        self, incoming: Incoming, user: UserRecord, *, free_input: bool = False
    ) -> LocaleChoice:
        """The reply locale; `free_input`: the text is an answer in any language (an
        address), so it says nothing about the resident's language."""
