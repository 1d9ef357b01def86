"""Telegram channel (python-telegram-bot at the edge): see adapter.py for the overview."""

from bot.channels.telegram.adapter import TelegramChannel, build_application, telegram_component
from bot.channels.telegram.sender import SendStats, TelegramSender

__all__ = [
    "SendStats",
    "TelegramChannel",
    "TelegramSender",
    "build_application",
    "telegram_component",
]
