"""Bookings: search and filter, CSV and .ics, one booking (notes, reschedule, cancel), and
booking on behalf of a walk-in or a caller. Every rule is the booking store's."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.consultations.export import export_csv, export_ics
from bot.core.types import utcnow
from bot.i18n.format import SHANGHAI
from bot.i18n.locales import LOCALES
from bot.store.consultations.bookings import BookingError
from bot.store.consultations.schedule import StaffBooking
from bot.store.consultations.tables import TOPICS
from bot.store.tables import User
from bot.web.staff import dates
from bot.web.staff.core import Staff, page
from bot.web.staff.views.common import (
    file_response,
    held_booking,
    int_or_none,
    may_see,
    visible_booking,
)

STATUSES = ("booked", "attended", "no_show", "cancelled")


async def _search(request: web.Request, staff: Staff) -> tuple[dict[str, str], list[StaffBooking]]:
    q = request.query
    first = dates.parse_day(q.get("from"))
    last = dates.parse_day(q.get("to"), first + timedelta(days=13))
    start, _ = dates.days(first)
    end = dates.start_of(last + timedelta(days=1))
    own = staff.own_consultant
    status = q.get("status") if q.get("status") in STATUSES else None
    rows = await staff.services.schedule.search_bookings(
        start,
        end,
        consultant_id=own if own is not None else int_or_none(q.get("consultant")),
        status=status,
        text=q.get("q"),
    )
    filters = {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "consultant": q.get("consultant", ""),
        "status": status or "",
        "q": q.get("q", ""),
    }
    return filters, rows


@page("GET", "/staff/bookings")
async def bookings(request: web.Request, staff: Staff) -> web.StreamResponse:
    filters, rows = await _search(request, staff)
    consultants = await staff.services.schedule.consultants()
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return staff.render(
        "bookings.html",
        here="/staff/bookings",
        filters=filters,
        rows=rows,
        consultants=consultants,
        statuses=STATUSES,
        export_query=query,
    )


@page("GET", "/staff/bookings.csv")
async def bookings_csv(request: web.Request, staff: Staff) -> web.StreamResponse:
    _filters, rows = await _search(request, staff)
    return file_response("bookings.csv", "\ufeff" + export_csv(rows, SHANGHAI).decode(), "text/csv")


@page("GET", "/staff/bookings.ics")
async def bookings_ics(request: web.Request, staff: Staff) -> web.StreamResponse:
    _filters, rows = await _search(request, staff)
    live = [r for r in rows if r.booking.status != "cancelled"]
    return file_response("bookings.ics", export_ics(live), "text/calendar")


@page("GET", "/staff/bookings/{id:\\d+}")
async def booking(request: web.Request, staff: Staff) -> web.StreamResponse:
    found = await visible_booking(staff, int(request.match_info["id"]))
    resident = await staff.services.users.get_by_id(found.user_id)
    now = utcnow()
    # Times to move it to: the same consultant's free slots first, then the others'.
    slots = await staff.services.schedule.slots_between(now, now + timedelta(days=28))
    free = [s.slot for s in slots if s.booking_status is None and s.slot.topics]
    free = [s for s in free if found.topic in s.topics and may_see_slot(staff, s.consultant_id)]
    free.sort(key=lambda s: (s.consultant_id != found.slot.consultant_id, s.starts_at))
    return staff.render(
        "booking.html",
        here="/staff/bookings",
        b=found,
        resident=resident,
        free=free[:60],
        upcoming=found.slot.starts_at > now,
    )


def may_see_slot(staff: Staff, consultant_id: int) -> bool:
    own = staff.own_consultant
    return own is None or own == consultant_id


@page("POST", "/staff/bookings/{id:\\d+}/note")
async def note(request: web.Request, staff: Staff) -> web.StreamResponse:
    found = await visible_booking(staff, int(request.match_info["id"]))
    text = (await staff.form()).get("staff_note", "")
    async with staff.audited("booking.note", f"booking:{found.id}") as audit:
        audit.before = {"staff_note": (await held_booking(staff, found.id)).staff_note}
        after = await staff.services.bookings.set_staff_note(found.id, text)
        audit.after = {"staff_note": after.staff_note}
    staff.back(f"/staff/bookings/{found.id}", "saved")


@page("POST", "/staff/bookings/{id:\\d+}/cancel")
async def cancel(request: web.Request, staff: Staff) -> web.StreamResponse:
    found = await visible_booking(staff, int(request.match_info["id"]))
    # The resident's notice is queued in the outbox in this transaction (sent later).
    async with staff.audited("booking.cancel", f"booking:{found.id}") as audit:
        audit.before = {"status": (await held_booking(staff, found.id)).status}
        try:
            after = await staff.services.bookings.cancel_by_staff(found.id)
        except BookingError as exc:
            staff.back(f"/staff/bookings/{found.id}", f"booking_{exc.code}", error=True)
        audit.after = {"status": after.status}
    staff.back(f"/staff/bookings/{found.id}", "booking_cancelled_told")


@page("POST", "/staff/bookings/{id:\\d+}/reschedule")
async def reschedule(request: web.Request, staff: Staff) -> web.StreamResponse:
    found = await visible_booking(staff, int(request.match_info["id"]))
    slot_id = int_or_none((await staff.form()).get("slot"))
    slot = await staff.services.bookings.slot(slot_id) if slot_id else None
    if slot is None or not may_see_slot(staff, slot.consultant_id):
        staff.back(f"/staff/bookings/{found.id}", "bad_request", error=True)
    # The resident's notice is queued in the outbox in this transaction (sent later).
    async with staff.audited("booking.reschedule", f"booking:{found.id}") as audit:
        was = (await held_booking(staff, found.id)).slot
        audit.before = {"slot": was.id, "starts_at": was.starts_at, "consultant": was.consultant}
        try:
            after = await staff.services.bookings.reschedule_by_staff(found.id, slot.id)
        except BookingError as exc:
            staff.back(f"/staff/bookings/{found.id}", f"booking_{exc.code}", error=True)
        audit.after = {
            "slot": after.slot.id,
            "starts_at": after.slot.starts_at,
            "consultant": after.slot.consultant,
        }
    staff.back(f"/staff/bookings/{found.id}", "booking_moved_told")


# --- booking on behalf ----------------------------------------------------------------------


@page("GET", "/staff/bookings/new")
async def new_booking(request: web.Request, staff: Staff) -> web.StreamResponse:
    users = staff.services.users
    q = request.query.get("q", "")
    resident_id = int_or_none(request.query.get("resident"))
    resident = await users.get_by_id(resident_id) if resident_id else None
    found = await users.search(q) if q and resident is None else []
    slots = []
    if resident is not None:
        now = utcnow()
        listing = await staff.services.schedule.slots_between(now, now + timedelta(days=28))
        slots = [
            s.slot
            for s in listing
            if s.booking_status is None
            and s.slot.topics
            and s.slot.starts_at > now
            and may_see_slot(staff, s.slot.consultant_id)
        ]
    return staff.render(
        "booking_new.html",
        here="/staff/bookings",
        q=q,
        found=found,
        resident=resident,
        slots=slots,
        topics=TOPICS,
        locales=LOCALES,
    )


@page("POST", "/staff/residents/walkin")
async def add_walkin(request: web.Request, staff: Staff) -> web.StreamResponse:
    form = await staff.form()
    locale = form.get("locale") if form.get("locale") in LOCALES else None
    async with staff.audited("resident.walkin") as audit:
        try:
            user: User = await staff.services.users.create_walkin(
                form.get("name", ""), form.get("contact"), locale
            )
        except ValueError:
            staff.back("/staff/bookings/new", "name_needed", error=True)
        audit.target = f"user:{user.id}"
        audit.after = {"name": user.display_name, "contact": user.contact, "locale": locale}
    next_page = form.get("then") == "resident"
    target = f"/staff/residents/{user.id}" if next_page else "/staff/bookings/new"
    staff.back(target, "walkin_added", resident=user.id if not next_page else None)


@page("POST", "/staff/bookings")
async def book(request: web.Request, staff: Staff) -> web.StreamResponse:
    form = await staff.form()
    resident_id = int_or_none(form.get("resident"))
    slot_id = int_or_none(form.get("slot"))
    topic = form.get("topic", "")
    language = form.get("language", "")
    back = "/staff/bookings/new"
    slot = await staff.services.bookings.slot(slot_id) if slot_id else None
    if (
        resident_id is None
        or slot is None
        or topic not in TOPICS
        or language not in LOCALES
        or not may_see_slot(staff, slot.consultant_id)
    ):
        staff.back(back, "bad_request", error=True, resident=resident_id)
    async with staff.audited("booking.add") as audit:
        try:
            result = await staff.services.bookings.book_slot(
                resident_id,
                slot.id,
                topic=topic,
                language=language,
                note=form.get("note") or None,
                interpreter=language not in slot.languages,
                on_behalf=True,
            )
        except BookingError as exc:
            staff.back(back, f"booking_{exc.code}", error=True, resident=resident_id)
        b = result.booking
        audit.target = f"booking:{b.id}"
        audit.after = {
            "resident": resident_id,
            "slot": b.slot.id,
            "starts_at": b.slot.starts_at,
            "topic": b.topic,
            "language": b.language,
        }
    staff.back(f"/staff/bookings/{b.id}", "booked")


__all__ = ["may_see"]
