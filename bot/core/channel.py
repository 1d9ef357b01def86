"""What a channel can show, and the registry of the running channels and their senders.

Each channel declares its capabilities (buttons or numbered options, message size, files,
push); the dispatcher reads them to decide whether "2" means the second button, and the
reminder dispatcher finds a channel's sender here. Channels are installed in one place
(`bot.channels.install`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, Protocol

from bot.core.sender import Sender, SendResult
from bot.core.types import MediaRef, Reply, UserRef


@dataclass(frozen=True)
class Capabilities:
    """What a channel can render; the renderers split and degrade replies to fit."""

    buttons: Literal["inline", "numbered"] = "inline"  # numbered: "reply 1, 2, 3"
    max_text_chars: int | None = None  # per message (Telegram 4,096)
    max_text_bytes: int | None = None  # per message in UTF-8 (WeChat 2,048)
    attachments: bool = True  # files such as .ics can be sent
    push: bool = True  # can message a resident who did not just write
    # How long after the resident's last message we may still write to them (WeChat's
    # customer-service window); None: no limit.
    reply_window: timedelta | None = None

    @property
    def numbered(self) -> bool:
        return self.buttons == "numbered"


INLINE = Capabilities()

# Each channel's brand name, the same in every language (residents' /privacy, staff lists).
BRAND_NAMES = {"telegram": "Telegram", "wechat": "WeChat 微信", "web": "Web", "console": "CLI"}


def brand_name(channel: str) -> str:
    return BRAND_NAMES.get(channel, channel)


class MediaTooLarge(Exception):
    """The file is over the limit (ours, or the platform's download limit)."""


class MediaUnavailable(Exception):
    """The platform could not hand over the file (expired, network)."""


class MediaFetcher(Protocol):
    """Fetches the bytes of a file a resident sent, from the channel's platform."""

    channel: str

    async def fetch(self, media: MediaRef, max_bytes: int) -> bytes:
        """The file's bytes; MediaTooLarge when over `max_bytes`, MediaUnavailable when the
        platform cannot give it."""
        ...


class Channels:
    """The channels Linzhu knows (capabilities) and the senders of those running."""

    def __init__(self) -> None:
        self._capabilities: dict[str, Capabilities] = {}
        self._senders: dict[str, Sender] = {}
        self._fetchers: dict[str, MediaFetcher] = {}

    def declare(self, name: str, capabilities: Capabilities) -> None:
        self._capabilities[name] = capabilities

    def attach(self, sender: Sender) -> None:
        """The running channel's sender (for reminders and notices)."""
        self._senders[sender.channel] = sender

    def attach_fetcher(self, fetcher: MediaFetcher) -> None:
        """The running channel's way to fetch files residents send."""
        self._fetchers[fetcher.channel] = fetcher

    def fetcher(self, name: str) -> MediaFetcher | None:
        return self._fetchers.get(name)

    def capabilities(self, name: str) -> Capabilities:
        return self._capabilities.get(name, INLINE)

    def sender(self, name: str) -> Sender | None:
        return self._senders.get(name)

    def with_senders(self) -> list[str]:
        """The channels this process can send to."""
        return list(self._senders)

    async def send(self, user: UserRef, replies: list[Reply]) -> SendResult:
        sender = self._senders.get(user.channel)
        if sender is None:
            return SendResult.failed(f"no sender for channel {user.channel!r}")
        return await sender.send(user, replies)
