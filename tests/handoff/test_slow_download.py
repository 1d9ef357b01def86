"""A file for staff is downloaded before its message takes a place among the messages in
progress: downloads stuck on a slow platform keep no other resident waiting, and the file
still reaches the transcript once it arrives (it is fetched once)."""

from __future__ import annotations

import asyncio

from bot.core.dispatcher import Dispatcher
from bot.core.types import Incoming, MediaRef, UserRef
from bot.store.handoff.tables import FROM_RESIDENT
from tests.handoff.helpers import always
from tests.harness import Conversation

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4


class StuckFetcher:
    """The platform's file API, answering only when the test says so."""

    channel = "web"

    def __init__(self, expected: int) -> None:
        self.release = asyncio.Event()
        self.all_started = asyncio.Event()
        self.expected = expected
        self.started = 0

    async def fetch(self, media: MediaRef, max_bytes: int) -> bytes:
        self.started += 1
        if self.started >= self.expected:
            self.all_started.set()
        await self.release.wait()
        return JPEG


async def test_slow_downloads_keep_no_one_else_waiting(dispatcher: Dispatcher) -> None:
    svc = dispatcher.services
    svc.staffed = always()
    limit = dispatcher.conversations.in_flight_limit
    fetcher = StuckFetcher(expected=limit + 1)
    svc.channels.attach_fetcher(fetcher)
    senders = [Conversation(dispatcher, UserRef("web", f"photo-{n}")) for n in range(limit + 1)]
    for chat in senders:
        await chat.say("/human")
    photos = [
        asyncio.create_task(
            dispatcher.handle(
                Incoming(chat.user, chat_id=chat.user.external_id, media=MediaRef("photo", "f"))
            )
        )
        for chat in senders
    ]
    await asyncio.wait_for(fetcher.all_started.wait(), 5)  # every download is stuck

    # More stuck downloads than places for messages in progress: another resident is
    # still answered.
    help_reply = await asyncio.wait_for(
        Conversation(dispatcher, UserRef("web", "someone-else")).say("/help"), 5
    )
    assert help_reply and not any(task.done() for task in photos)

    fetcher.release.set()
    await asyncio.wait_for(asyncio.gather(*photos), 10)
    for chat in senders:
        user = await svc.users.get(chat.user)
        assert user is not None and user.id is not None
        live = await svc.handoff.live_for(user.id)
        assert live is not None and live.id is not None
        kept = await svc.attachments.for_messages(
            [m.id for m in await svc.handoff.messages(live.id) if m.direction == FROM_RESIDENT]
        )
        assert [f["size"] for files in kept.values() for f in files] == [len(JPEG)]
    assert fetcher.started == len(senders)  # fetched once each, ahead
