"""Channel-neutral messages: what a channel hands in and what handlers give back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.core.hygiene import clean_language_tag, clean_text


@dataclass(frozen=True, slots=True)
class UserRef:
    """A user as a channel knows them; ids are namespaced by channel."""

    channel: str
    external_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A file's bytes, fetched before its message queued (see Router.prepare_media), or the
    MediaTooLarge / MediaUnavailable (bot/core/channel.py) the fetch raised."""

    data: bytes = field(default=b"", repr=False)
    error: Exception | None = None


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A file a resident sent (a photo, a document), as the channel can fetch it later.

    `file_id` is the platform's handle (Telegram file_id, WeChat MediaId); the bytes are
    fetched at the edge by the channel's `MediaFetcher` (bot/core/channel.py), only when a
    handler keeps the file: before the message queues when that is known then (`fetched`),
    else by the handler. `size` is what the platform announced, if anything.
    """

    kind: str  # "photo" or "document"
    file_id: str
    filename: str | None = None
    mime_type: str | None = None
    size: int | None = None
    fetched: Fetched | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Incoming:
    """One message or button tap from a resident, as every channel describes it.

    Whatever a client sent, an Incoming carries no NUL, control byte or lone surrogate and
    at most a well-formed language tag (bot/core/hygiene.py), so nothing a handler stores
    can fail on either database.
    """

    user: UserRef
    text: str | None = None
    payload: str | None = None
    chat_id: str | None = None
    language_hint: str | None = None
    received_at: datetime = field(default_factory=utcnow)
    # False in a group or channel, where others read the replies. WeChat, the web chat and
    # the console only have one-to-one chats; Telegram says which chat a message is in.
    private_chat: bool = True
    # The name the platform shows for the sender (Telegram's first and last name), if any.
    display_name: str | None = None
    # The text of the bot's own message this one replies to (a quoted reply), if any.
    quoted: str | None = None
    # A photo or a file sent with the message (its caption, if any, is `text`).
    media: MediaRef | None = None

    def __post_init__(self) -> None:
        for name in ("text", "payload", "chat_id", "display_name", "quoted"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, clean_text(value))
        object.__setattr__(self, "language_hint", clean_language_tag(self.language_hint))

    @property
    def command(self) -> str | None:
        """`/book@LinzhuBot extra` → "book"; None when the text is not a command."""
        if not self.text or not self.text.startswith("/"):
            return None
        word = self.text[1:].split(maxsplit=1)[0] if len(self.text) > 1 else ""
        return word.split("@", 1)[0].lower() or None

    @property
    def command_args(self) -> str:
        if not self.command or not self.text:
            return ""
        parts = self.text.split(maxsplit=1)
        return parts[1].strip() if len(parts) > 1 else ""


@dataclass(frozen=True, slots=True)
class Button:
    """A choice: the label is translated, the payload is stable ASCII (`lang:set:ko`)."""

    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a reply, such as an .ics calendar entry."""

    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Reply:
    """Text with light markup (*bold*, line breaks), optional buttons and attachments."""

    text: str
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def of(
        cls,
        text: str,
        buttons: list[Button] | tuple[Button, ...] = (),
        attachments: list[Attachment] | tuple[Attachment, ...] = (),
    ) -> Reply:
        return cls(text=text, buttons=tuple(buttons), attachments=tuple(attachments))
