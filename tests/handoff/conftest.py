"""The console's fixtures (a real server with the web chat beside it, accounts, Chromium) and
the fake Bot API; two worker processes on one database."""

from tests.channels.telegram.support import fake  # noqa: F401
from tests.handoff.processes import two  # noqa: F401
from tests.staff.conftest import accounts, browser, server  # noqa: F401
