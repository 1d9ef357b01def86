"""Schedule: a week of slots per consultant; add one slot or a weekly pattern (holidays
skipped), block time, withdraw a slot; consultants' languages, topics, modes, video links."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from aiohttp import web

from bot.config import PROJECT_ROOT
from bot.consultations.slot_patterns import (
    WEEKDAYS,
    Calendar,
    PatternError,
    calendar_for,
    pattern_dates,
    slot_times,
)
from bot.i18n.format import SHANGHAI
from bot.i18n.locales import LOCALES
from bot.store.consultations.schedule import ScheduleError, SlotListing
from bot.store.consultations.tables import MODES, TOPICS, Consultant, Slot
from bot.web.staff import dates
from bot.web.staff.core import DESK_UP, Staff, page
from bot.web.staff.views.common import int_or_none

HOLIDAYS_DIR = PROJECT_ROOT / "data" / "holidays"


def _consultant_ref(staff: Staff, form: dict[str, str]) -> str:
    """The consultant a form is about; a consultant account may only act for itself."""
    own = staff.own_consultant
    if own is not None:
        if own < 0:
            staff.back("/staff/schedule", "not_linked", error=True)
        return str(own)
    return form.get("consultant", "").strip()


def _fail(staff: Staff, exc: Exception, week: str = "") -> NoReturn:
    staff.back("/staff/schedule", "not_saved", error=True, detail=str(exc), week=week)


@page("GET", "/staff/schedule")
async def week_view(request: web.Request, staff: Staff) -> web.StreamResponse:
    first = dates.monday(dates.parse_day(request.query.get("week")))
    start, end = dates.days(first, 7)
    own = staff.own_consultant
    wanted = own if own is not None else int_or_none(request.query.get("consultant"))
    listings = await staff.services.schedule.slots_between(start, end)
    per_day: dict[str, list[SlotListing]] = defaultdict(list)
    for item in listings:
        if wanted is None or item.slot.consultant_id == wanted:
            per_day[item.slot.starts_at.astimezone(SHANGHAI).date().isoformat()].append(item)
    consultants = await staff.services.schedule.consultants()
    days = [first + timedelta(days=i) for i in range(7)]
    return staff.render(
        "schedule.html",
        here="/staff/schedule",
        first=first,
        days=days,
        per_day=per_day,
        prev=(first - timedelta(days=7)).isoformat(),
        next=(first + timedelta(days=7)).isoformat(),
        consultants=consultants,
        wanted=wanted,
        mine=[c for c in consultants if own is None or c.id == own],
        topics=TOPICS,
        modes=MODES,
        locales=LOCALES,
        weekdays=list(WEEKDAYS),
    )


@page("POST", "/staff/schedule/slots")
async def add_slots(request: web.Request, staff: Staff) -> web.StreamResponse:
    form = await staff.form()
    lists = await staff.form_lists("days", "topics")
    ref = _consultant_ref(staff, form)
    week = form.get("first_day", "")
    try:
        first = dates.maybe_day(form.get("first_day"))
        last = dates.maybe_day(form.get("last_day")) or first
        clock_from = dates.local(form.get("first_day", ""), form.get("from", ""))
        clock_to = dates.local(form.get("first_day", ""), form.get("to", ""))
        if first is None or last is None or clock_from is None or clock_to is None:
            raise PatternError("Give a day and the times (HH:MM).")
        length = int_or_none(form.get("length"))
        weekdays = {WEEKDAYS[d] for d in lists["days"] if d in WEEKDAYS}
        if not weekdays or first == last:
            weekdays = {first.weekday()}
        calendar = Calendar()
        if form.get("skip_holidays"):
            calendar = calendar_for(first, last, None)
        days, skipped = pattern_dates(first, last, weekdays, calendar)
        times = slot_times(
            days,
            clock_from.time(),
            clock_to.time(),
            timedelta(minutes=length) if length else None,
            SHANGHAI,
        )
    except PatternError as exc:
        _fail(staff, exc, week)
    async with staff.audited("slots.add", f"consultant:{ref}") as audit:
        try:
            slots = await staff.services.schedule.add_slots(
                ref, times, topics=lists["topics"] or None, mode=form.get("mode", "in_person")
            )
        except ScheduleError as exc:
            _fail(staff, exc, week)
        audit.after = {
            "slots": len(slots),
            "first": slots[0].starts_at if slots else None,
            "last": slots[-1].starts_at if slots else None,
            "skipped": [str(d) for d, _n in skipped],
        }
    staff.back("/staff/schedule", "slots_added", detail=str(len(slots)), week=week)


@page("POST", "/staff/schedule/block")
async def block(request: web.Request, staff: Staff) -> web.StreamResponse:
    form = await staff.form()
    ref = _consultant_ref(staff, form)
    start = dates.local_input(form.get("start"))
    end = dates.local_input(form.get("end"))
    if start is None or end is None:
        staff.back("/staff/schedule", "bad_request", error=True)
    async with staff.audited("slots.block", f"consultant:{ref}") as audit:
        try:
            removed, booked = await staff.services.schedule.block_time(ref, start, end)
        except ScheduleError as exc:
            _fail(staff, exc)
        audit.after = {
            "start": start,
            "end": end,
            "withdrawn": removed,
            "booked_left": len(booked),
        }
    code = "blocked_with_bookings" if booked else "blocked"
    staff.back("/staff/schedule", code, detail=str(removed), week=start.date().isoformat())


@page("POST", "/staff/slots/{id:\\d+}/withdraw")
async def withdraw(request: web.Request, staff: Staff) -> web.StreamResponse:
    slot_id = int(request.match_info["id"])
    slot = await staff.services.bookings.slot(slot_id)
    if slot is None or (staff.own_consultant not in (None, slot.consultant_id)):
        raise web.HTTPNotFound()
    async with staff.audited("slot.withdraw", f"slot:{slot_id}") as audit:
        await staff.services.db.lock_row(Slot, slot_id)
        held = await staff.services.bookings.slot(slot_id)
        if held is None:
            raise web.HTTPNotFound()
        audit.before = {"starts_at": held.starts_at, "consultant": held.consultant}
        try:
            await staff.services.schedule.withdraw_slot(slot_id)
        except ScheduleError as exc:
            _fail(staff, exc)
    staff.back("/staff/schedule", "slot_withdrawn", week=slot.starts_at.date().isoformat())


@dataclass(frozen=True)
class ConsultantFields:
    name: str
    languages: list[str]
    topics: list[str]
    modes: list[str] | None  # None: every mode
    video_link: str | None

    def audit(self) -> dict[str, object]:
        return dict(self.__dict__)


async def _consultant_form(staff: Staff) -> ConsultantFields:
    form = await staff.form()
    lists = await staff.form_lists("languages", "topics", "modes")
    modes = [m for m in lists["modes"] if m in MODES]
    return ConsultantFields(
        name=form.get("name", ""),
        languages=[code for code in lists["languages"] if code in LOCALES],
        topics=[topic for topic in lists["topics"] if topic in TOPICS],
        modes=modes if modes and len(modes) < len(MODES) else None,
        video_link=form.get("video_link") or None,
    )


async def _save_consultant(
    staff: Staff, consultant_id: int, fields: ConsultantFields, active: bool
) -> dict[str, object]:
    before, _after = await staff.services.schedule.update_consultant(
        consultant_id,
        name=fields.name,
        languages=fields.languages,
        topics=fields.topics,
        modes=fields.modes,
        video_link=fields.video_link,
        active=active,
    )
    return before


@page("POST", "/staff/consultants", DESK_UP)
async def add_consultant(request: web.Request, staff: Staff) -> web.StreamResponse:
    fields = await _consultant_form(staff)
    async with staff.audited("consultant.add", after=fields.audit()) as audit:
        try:
            made = await staff.services.schedule.add_consultant(
                fields.name, fields.languages, fields.topics
            )
            assert made.id is not None
            await _save_consultant(staff, made.id, fields, active=True)
        except ScheduleError as exc:
            _fail(staff, exc)
        audit.target = f"consultant:{made.id}"
    staff.back("/staff/schedule", "consultant_added")


@page("POST", "/staff/consultants/{id:\\d+}")
async def edit_consultant(request: web.Request, staff: Staff) -> web.StreamResponse:
    consultant_id = int(request.match_info["id"])
    if staff.own_consultant not in (None, consultant_id):
        raise web.HTTPNotFound()
    fields = await _consultant_form(staff)
    form = await staff.form()
    active = bool(form.get("active")) if not staff.is_consultant else True
    async with staff.audited(
        "consultant.edit", f"consultant:{consultant_id}", after={**fields.audit(), "active": active}
    ) as audit:
        try:
            audit.before = await _save_consultant(staff, consultant_id, fields, active)
        except ScheduleError as exc:
            _fail(staff, exc)
    staff.back("/staff/schedule", "consultant_saved")


def consultant_modes(consultant: Consultant) -> list[str]:
    return list(consultant.modes) if consultant.modes is not None else list(MODES)
