"""Channel-neutral messages: what a channel hands in and what handlers give back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


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
class Incoming:
    """One message or button tap from a resident, as every channel describes it."""

    user: UserRef
    text: str | None = None
    payload: str | None = None
    chat_id: str | None = None
    language_hint: str | None = None
    received_at: datetime = field(default_factory=utcnow)
    # The name the platform shows for the sender (Telegram's first and last name), if any.
    display_name: str | None = None

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
