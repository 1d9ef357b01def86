"""Two worker "processes" on one database, for the delivery tests: each a `Database` of its
own on the same database (for SQLite, the same file), with its own services and a sender of
the resident's channel that records on one shared wire."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.core.sender import SendResult
from bot.core.types import Reply, UserRef
from bot.services import Services, build_services
from bot.store.db import Database
from bot.store.handoff.tables import HandoffConversation, HandoffMessage
from tests.consultations.helpers import make_user


@dataclass
class Wire:
    """What reached the resident, from either process, and how many sends overlapped."""

    sent: list[tuple[str, str]] = field(default_factory=list)  # (process, text)
    sending: int = 0
    most_at_once: int = 0


class SlowSender:
    """The resident's channel as one process sees it: records each send on the shared wire;
    `gate`, when set, holds every send until it is opened."""

    channel = "web"

    def __init__(self, name: str, wire: Wire) -> None:
        self.name = name
        self.wire = wire
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def send(self, user: UserRef, replies: list[Reply]) -> SendResult:
        self.wire.sending += 1
        self.wire.most_at_once = max(self.wire.most_at_once, self.wire.sending)
        self.started.set()
        try:
            if self.gate is not None:
                await self.gate.wait()
            await asyncio.sleep(random.uniform(0, 0.003))  # let the other process run
            self.wire.sent.extend((self.name, r.text) for r in replies)
            return SendResult.sent()
        finally:
            self.wire.sending -= 1

    def mine(self) -> list[str]:
        return [text for who, text in self.wire.sent if who == self.name]


@dataclass
class Process:
    services: Services
    sender: SlowSender


@pytest.fixture
async def two(settings: Settings, db: Database) -> AsyncIterator[tuple[Process, Process]]:
    """Two "processes" on the same database (for SQLite, the same file)."""
    other = Database(db.url, pool_size=5, schema=db.schema)
    wire = Wire()
    processes = []
    for name, database in (("a", db), ("b", other)):
        services = build_services(settings, db=database)
        sender = SlowSender(name, wire)
        services.channels.attach(sender)
        processes.append(Process(services, sender))
    yield processes[0], processes[1]
    await other.dispose()


async def open_conversation(services: Services, resident: str = "r1") -> HandoffConversation:
    user = await make_user(services.db, resident)
    conversation, _new = await services.handoff.open(user, "web", "en")
    return conversation


async def replies_of(services: Services, conversation_id: int) -> list[HandoffMessage]:
    async with services.db.session() as session:
        query = (
            select(HandoffMessage)
            .where(HandoffMessage.conversation_id == conversation_id)
            .order_by(HandoffMessage.id)  # type: ignore[arg-type]
        )
        return list((await session.execute(query)).scalars())
