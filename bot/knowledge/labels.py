"""Button labels that FAQ answers name ("tap *Sign up*").

The handlers that make these buttons take their labels from here, and answers name them
through placeholders (placeholders.py), so an answer and the button it describes cannot
drift apart in any language.
"""

from __future__ import annotations

from bot.i18n import lazy_gettext

SIGN_UP = lazy_gettext("Sign up")
JOIN_WAITLIST = lazy_gettext("Join the waitlist")
CANCEL_MY_PLACE = lazy_gettext("Cancel my place")
CANCEL_EVENT = lazy_gettext("Cancel: {title}")  # one per registration in /myevents
YES_CANCEL = lazy_gettext("Yes, cancel it")  # the confirmation step of every cancellation
STOP_EVENT_REMINDERS = lazy_gettext("Stop event reminders")  # on each event reminder
RESCHEDULE_BOOKING = lazy_gettext("Reschedule ({day})")  # one per booking in /mybookings
CANCEL_BOOKING = lazy_gettext("Cancel ({day})")
CONFIRM_BOOKING = lazy_gettext("✅ Confirm")
