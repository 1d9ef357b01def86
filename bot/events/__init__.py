"""Events beyond the store: file import, outbox rendering, calendar files, demo events."""
