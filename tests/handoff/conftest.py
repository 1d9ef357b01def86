"""The console's fixtures (a real server with the web chat beside it, accounts, Chromium)."""

from tests.staff.conftest import accounts, browser, server  # noqa: F401
