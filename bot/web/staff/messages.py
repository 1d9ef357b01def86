"""The messages a page shows after a form: code (in the redirect's query) → text.

Codes, not texts, travel in the URL, so nobody can make the console show words of their own.
"""

from __future__ import annotations

from babel.support import LazyProxy

from bot.web.staff.i18n import lt

MESSAGES: dict[str, LazyProxy] = {
    "saved": lt("Saved."),
    "bad_request": lt("Something in the form was missing or not valid."),
    "not_saved": lt("Not saved:"),
    "not_linked": lt("Your account is not linked to a consultant yet: ask an administrator."),
    "slots_added": lt("Slots added:"),
    "blocked": lt("Time blocked; free slots withdrawn:"),
    "blocked_with_bookings": lt(
        "Time blocked, but some slots in it are booked: move or cancel those bookings. "
        "Free slots withdrawn:"
    ),
    "slot_withdrawn": lt("The slot was withdrawn."),
    "consultant_added": lt("Consultant added."),
    "consultant_saved": lt("Consultant saved."),
    "booked": lt("Booked."),
    "name_needed": lt("Give the resident's name."),
    "walkin_added": lt("Resident added. Now choose a time."),
    "booking_cancelled_already": lt("That booking is cancelled."),
    "booking_just_taken": lt("Someone else just booked that time. Choose another."),
    "booking_closed": lt("That time has already started."),
    "booking_too_many": lt("The resident already has the most upcoming bookings allowed."),
    "booking_overlap": lt("The resident already has a booking at that time."),
    "booking_not_found": lt("That booking or time no longer exists."),
    "booking_not_cancellable": lt("That booking cannot be changed any more."),
    "booking_cancelled_told": lt("Cancelled. The resident is told in their language."),
    "booking_moved_told": lt("Moved. The resident is told in their language."),
    "event_cancelled": lt("That event is cancelled."),
    "event_not_found": lt("Not found."),
    "event_closed": lt("Registration for that event is closed."),
    "event_bad_seats": lt("Give a number of seats of at least 1."),
    "published": lt("Published: residents can sign up now."),
    "event_cancelled_told": lt("Event cancelled. People told:"),
    "seats_added": lt("Seats added; the waitlist moved up into them."),
    "promoted": lt("Promoted; they are told."),
    "checked_in": lt("Checked in."),
    "check_in_undone": lt("Check-in undone."),
    "text_needed": lt("Write the announcement in at least one language."),
    "notified": lt("Announcement queued for:"),
    "erased": lt("Their bookings and registrations are cancelled and their data deleted."),
    "topic_unknown": lt("That topic does not exist (any more)."),
    "alternate_added": lt("Added: Linzhu now answers this question with that topic."),
    "alternate_removed": lt("Alternate removed."),
    "question_not_covered": lt("Marked as not covered."),
    "question_dismissed": lt("Dismissed."),
    "account_added": lt("Account added."),
    "not_yourself": lt("You cannot disable your own account or take away your own admin role."),
    "username_invalid": lt("A username is 2–64 characters: lower-case letters, digits, . _ -"),
    "username_taken": lt("That username is taken."),
    "role_invalid": lt("Choose a role."),
    "password_short": lt("The password needs at least 10 characters."),
    "consultant_unknown": lt("No such consultant."),
    "not_found": lt("Not found."),
    "not_consultant": lt("Only a consultant account can be linked to a consultant."),
    "password_wrong": lt("The current password is not right."),
    "password_mismatch": lt("The two new passwords differ."),
    "totp_on": lt("Second factor on: logging in now asks for the code."),
    "totp_off": lt("Second factor off."),
    "claimed": lt("The conversation is yours."),
    "claimed_by_other": lt("Someone else claimed this conversation first."),
    "transferred": lt("Conversation transferred."),
    "conversation_closed": lt(
        "Conversation closed; the resident was told and the assistant answers again."
    ),
    "conversation_closed_already": lt("This conversation is closed."),
    "reply_sent": lt("Reply sent."),
    "reply_empty": lt("Type a reply first."),
    "reply_not_delivered": lt("The reply was kept but not delivered:"),
    "notice_sent": lt("Template notice sent: the resident is asked to write again."),
    "notice_not_sent": lt("The template notice could not be sent."),
}
