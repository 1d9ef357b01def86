"""Channel-neutral core: message types and the router. No platform SDK is imported here."""

from bot.core.types import Attachment, Button, Incoming, Reply, UserRef

__all__ = ["Attachment", "Button", "Incoming", "Reply", "UserRef"]
