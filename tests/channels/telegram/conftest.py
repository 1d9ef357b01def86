"""The fake Bot API with the channel tests' limits (a test file may define its own)."""

from tests.channels.telegram.support import fake  # noqa: F401
