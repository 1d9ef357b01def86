"""The built-in web chat: the page at /, POST /api/chat, GET /api/inbox (see channel.py)."""
