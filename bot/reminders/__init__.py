"""The outbox dispatcher: sends due reminders through the channels' senders, within limits."""

from bot.reminders.dispatcher import DispatcherConfig, ReminderDispatcher

__all__ = ["DispatcherConfig", "ReminderDispatcher"]
