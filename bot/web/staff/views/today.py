"""Today: each consultant's bookings for the day, attended / no-show; today's events."""

from __future__ import annotations

from collections import defaultdict

from aiohttp import web

from bot.store.consultations.schedule import ScheduleError, StaffBooking
from bot.store.consultations.tables import ATTENDED, BOOKED, NO_SHOW
from bot.store.events.admin import EventAdmin
from bot.web.staff import dates
from bot.web.staff.core import Staff, page
from bot.web.staff.views.common import held_booking, visible_booking


@page("GET", "/staff/today")
async def today(request: web.Request, staff: Staff) -> web.StreamResponse:
    day = dates.parse_day(request.query.get("day"))
    start, end = dates.days(day)
    own = staff.own_consultant
    rows = await staff.services.schedule.search_bookings(start, end, consultant_id=own)
    by_consultant: dict[str, list[StaffBooking]] = defaultdict(list)
    for row in rows:
        if row.booking.status != "cancelled":
            by_consultant[row.booking.slot.consultant].append(row)
    events = []
    if own is None:
        events = [
            e
            for e in await EventAdmin(staff.services.db).list_events(include_past=True)
            if e.starts_at < end and e.ends_at > start and e.status != "cancelled"
        ]
    return staff.render(
        "today.html",
        here="/staff/today",
        day=day,
        prev=day.fromordinal(day.toordinal() - 1),
        next=day.fromordinal(day.toordinal() + 1),
        groups=sorted(by_consultant.items()),
        events=events,
    )


@page("POST", "/staff/bookings/{id:\\d+}/attendance")
async def attendance(request: web.Request, staff: Staff) -> web.StreamResponse:
    booking = await visible_booking(staff, int(request.match_info["id"]))
    form = await staff.form()
    status = {"attended": ATTENDED, "no_show": NO_SHOW, "booked": BOOKED}.get(
        form.get("status", "")
    )
    back = form.get("back") or "/staff/today"
    if not back.startswith("/staff/"):
        back = "/staff/today"
    if status is None:
        staff.back(back, "bad_request", error=True)
    async with staff.audited(
        "booking.attendance", f"booking:{booking.id}", after={"status": status}
    ) as audit:
        audit.before = {"status": (await held_booking(staff, booking.id)).status}
        try:
            await staff.services.schedule.mark_attendance(booking.id, status)
        except ScheduleError:
            staff.back(back, "booking_cancelled_already", error=True)
    raise web.HTTPSeeOther(back)
