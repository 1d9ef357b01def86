"""What the dispatcher needs from the layers above it, as small protocols.

`bot.services` implements them with the store and the language detector; core never
imports those, so the floor stays the floor.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.core.context import UserRecord
from bot.core.locale import LocaleChoice
from bot.core.state import FlowState
from bot.core.types import Incoming, UserRef


@dataclass(frozen=True)
class Opened:
    """A user and their conversation state, loaded at the start of a message."""

    user: UserRecord
    state: FlowState
    # What the store still has to write about this visit (last seen, revived, the
    # platform's language); None when nothing is due. Handed back to `save`.
    visit: Mapping[str, Any] | None = None


class ConversationStore(Protocol):
    """Users and conversation state, for the dispatcher."""

    @property
    def in_flight_limit(self) -> int:
        """How many messages may be handled at once (bounded by the database pool)."""

    def unit_of_work(self, key: str) -> AbstractAsyncContextManager[Any]:
        """One transaction for one message of user `key`: `open`, `save` and every store the
        handlers call join it; committed when the block ends, rolled back if it raises. It
        also serialises one user's messages across worker processes."""

    async def open(self, ref: UserRef, *, platform_language: str | None, now: datetime) -> Opened:
        """Find or create the user and load their state."""

    async def save(
        self,
        opened: Opened,
        *,
        state: FlowState | None,
        locale: tuple[str, str] | None,
        now: datetime,
    ) -> None:
        """Store what changed: the state, the user's new locale (locale, source), the visit."""


class LocaleResolver(Protocol):
    async def prepare(self, text: str) -> None:
        """Detect a free text's language ahead (off the event loop when it is long)."""

    async def resolve(
        self, incoming: Incoming, user: UserRecord, *, free_input: bool = False
    ) -> LocaleChoice:
        """The reply locale; `free_input`: the text is an answer in any language (an
        address), so it says nothing about the resident's language."""
