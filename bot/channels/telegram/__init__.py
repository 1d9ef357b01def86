"""Telegram channel (python-telegram-bot at the edge): see adapter.py for the overview."""

import os

# Opt in to PTB's announced behaviour (time periods as timedelta) now: otherwise every 429
# logs a deprecation warning from inside PTB. Our code reads both forms.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from bot.channels.telegram.adapter import (
    TelegramChannel,
    build_application,
    telegram_component,
)
from bot.channels.telegram.sender import SendStats, TelegramSender

__all__ = [
    "SendStats",
    "TelegramChannel",
    "TelegramSender",
    "build_application",
    "telegram_component",
]
