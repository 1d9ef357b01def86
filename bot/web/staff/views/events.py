"""Events: create and edit (texts per locale, sign-up questions), publish, cancel, add seats,
attendees and the waitlist, promote by hand, door check-in, CSV, announcements."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.events.importer import check_rows
from bot.i18n.format import SHANGHAI
from bot.i18n.locales import LOCALES
from bot.store.events.admin import Attendee, EventAdmin, EventSpec
from bot.store.events.tables import CATEGORIES, Event, EventError, EventView
from bot.web.staff.core import DESK_UP, Staff, page
from bot.web.staff.views.common import csv_response, int_or_none

QUESTION_SLOTS = 3  # sign-up questions editable in the form


def _admin(staff: Staff) -> EventAdmin:
    return EventAdmin(staff.services.db)


async def _event(staff: Staff, request: web.Request) -> tuple[EventView, list[Attendee]]:
    try:
        return await _admin(staff).attendees(int(request.match_info["id"]))
    except EventError:
        raise web.HTTPNotFound() from None


def _texts(form: dict[str, str], prefix: str) -> dict[str, str]:
    return {
        code: form[f"{prefix}.{code}"].strip()
        for code in LOCALES
        if form.get(f"{prefix}.{code}", "").strip()
    }


def spec_from_form(form: dict[str, str]) -> tuple[EventSpec | None, list[str]]:
    """The form as an import row, checked by the same rules as `linzhu events import`."""
    questions = []
    for n in range(1, QUESTION_SLOTS + 1):
        text = _texts(form, f"q{n}")
        if text:
            questions.append({"id": form.get(f"q{n}.id", "").strip() or f"q{n}", "text": text})
    row: dict[str, Any] = {
        "title": _texts(form, "title"),
        "description": _texts(form, "description"),
        "category": form.get("category", ""),
        "start": form.get("start", "").replace("T", " "),
        "end": form.get("end", "").replace("T", " "),
        "deadline": form.get("deadline", "").replace("T", " "),
        "place": form.get("place", ""),
        "capacity": form.get("capacity", ""),
        "questions": questions,
    }
    specs, problems = check_rows([(1, row)], tz=SHANGHAI)
    return (specs[0] if specs else None), [p.message for p in problems]


@page("GET", "/staff/events", DESK_UP)
async def events(request: web.Request, staff: Staff) -> web.StreamResponse:
    past = request.query.get("past") == "1"
    found = await _admin(staff).list_events(include_past=past)
    return staff.render("events.html", here="/staff/events", events=found, past=past)


@page("GET", "/staff/events/new", DESK_UP)
async def new_event(request: web.Request, staff: Staff) -> web.StreamResponse:
    return staff.render("event_form.html", here="/staff/events", e=None, **_form_context())


def _form_context() -> dict[str, Any]:
    return {"categories": CATEGORIES, "locales": LOCALES, "question_slots": QUESTION_SLOTS}


@page("POST", "/staff/events", DESK_UP)
async def create_event(request: web.Request, staff: Staff) -> web.StreamResponse:
    form = await staff.form()
    spec, problems = spec_from_form(form)
    if spec is None:
        staff.back("/staff/events/new", "not_saved", error=True, detail="; ".join(problems))
    async with staff.audited("event.add") as audit:
        (made,) = await _admin(staff).save([spec])
        if form.get("publish"):
            made = await _admin(staff).publish(made.id)
        audit.target, audit.after = f"event:{made.id}", _audit(made)
    staff.back(f"/staff/events/{made.id}", "saved")


@page("GET", "/staff/events/{id:\\d+}", DESK_UP)
async def event(request: web.Request, staff: Staff) -> web.StreamResponse:
    view, people = await _event(staff, request)
    return staff.render(
        "event.html",
        here="/staff/events",
        e=view,
        registered=[p for p in people if p.registration.status == "registered"],
        waiting=[p for p in people if p.registration.status == "waitlisted"],
        **_form_context(),
    )


@page("POST", "/staff/events/{id:\\d+}", DESK_UP)
async def edit_event(request: web.Request, staff: Staff) -> web.StreamResponse:
    event_id = int(request.match_info["id"])
    spec, problems = spec_from_form(await staff.form())
    if spec is None:
        staff.back(f"/staff/events/{event_id}", "not_saved", error=True, detail="; ".join(problems))
    # Residents told of a new time are told through the outbox, in this transaction.
    async with staff.audited("event.edit", f"event:{event_id}") as audit:
        try:
            before, after = await _admin(staff).update(event_id, spec)
        except EventError as exc:
            staff.back(f"/staff/events/{event_id}", f"event_{exc.code}", error=True)
        audit.before, audit.after = _audit(before), _audit(after)
    staff.back(f"/staff/events/{event_id}", "saved")


@page("POST", "/staff/events/{id:\\d+}/publish", DESK_UP)
async def publish(request: web.Request, staff: Staff) -> web.StreamResponse:
    event_id = int(request.match_info["id"])
    async with staff.audited("event.publish", f"event:{event_id}", after={"status": "published"}):
        try:
            await _admin(staff).publish(event_id)
        except EventError as exc:
            staff.back(f"/staff/events/{event_id}", f"event_{exc.code}", error=True)
    staff.back(f"/staff/events/{event_id}", "published")


async def _held_status(staff: Staff, event_id: int) -> str | None:
    """The event's status, read with its row held for the audited change (None: no event)."""
    event = await staff.services.db.lock_row(Event, event_id)
    return event.status if event is not None else None


@page("POST", "/staff/events/{id:\\d+}/cancel", DESK_UP)
async def cancel(request: web.Request, staff: Staff) -> web.StreamResponse:
    event_id = int(request.match_info["id"])
    # Everyone registered is told through the outbox, in this transaction.
    async with staff.audited("event.cancel", f"event:{event_id}") as audit:
        was = await _held_status(staff, event_id)
        try:
            told = await _admin(staff).cancel_event(event_id)
        except EventError:
            raise web.HTTPNotFound() from None
        audit.before = {"status": was}
        audit.after = {"status": "cancelled", "told": told}
        audit.changed = was != "cancelled"  # a second tab's cancel changes nothing
    staff.back(f"/staff/events/{event_id}", "event_cancelled_told", detail=str(told))


@page("POST", "/staff/events/{id:\\d+}/seats", DESK_UP)
async def add_seats(request: web.Request, staff: Staff) -> web.StreamResponse:
    event_id = int(request.match_info["id"])
    seats = int_or_none((await staff.form()).get("seats")) or 0
    # The waitlisted who get a seat are told through the outbox, in this transaction.
    async with staff.audited("event.seats", f"event:{event_id}") as audit:
        try:
            await staff.services.db.lock_row(Event, event_id)
            found = await staff.services.events.get(event_id)
            was = found.capacity if found is not None else None
            after = await _admin(staff).add_seats(event_id, seats)
        except EventError as exc:
            staff.back(f"/staff/events/{event_id}", f"event_{exc.code}", error=True)
        audit.before, audit.after = {"capacity": was}, {"capacity": after.capacity}
    staff.back(f"/staff/events/{event_id}", "seats_added")


@page("POST", "/staff/events/{id:\\d+}/registrations/{rid:\\d+}/promote", DESK_UP)
async def promote(request: web.Request, staff: Staff) -> web.StreamResponse:
    event_id, rid = int(request.match_info["id"]), int(request.match_info["rid"])
    async with staff.audited(
        "event.promote", f"registration:{rid}", before={"status": "waitlisted"}
    ) as audit:
        try:
            after = await _admin(staff).promote(event_id, rid)
        except EventError as exc:
            staff.back(f"/staff/events/{event_id}", f"event_{exc.code}", error=True)
        audit.after = {"status": "registered", "capacity": after.capacity}
    staff.back(f"/staff/events/{event_id}", "promoted")


@page("POST", "/staff/events/{id:\\d+}/registrations/{rid:\\d+}/checkin", DESK_UP)
async def check_in(request: web.Request, staff: Staff) -> web.StreamResponse:
    event_id, rid = int(request.match_info["id"]), int(request.match_info["rid"])
    form = await staff.form()
    present = form.get("present", "1") == "1"
    async with staff.audited("event.checkin", f"registration:{rid}", after={"present": present}):
        try:
            await _admin(staff).check_in(event_id, rid, present)
        except EventError:
            staff.back(f"/staff/events/{event_id}/checkin", "event_not_found", error=True)
    target = f"/staff/events/{event_id}/checkin"
    staff.back(target, "checked_in" if present else "check_in_undone", q=form.get("q"))


@page("GET", "/staff/events/{id:\\d+}/checkin", DESK_UP)
async def door(request: web.Request, staff: Staff) -> web.StreamResponse:
    view, people = await _event(staff, request)
    registered = [p for p in people if p.registration.status == "registered"]
    q = request.query.get("q", "").strip().lower()
    if q:
        registered = [p for p in registered if q in _searchable(p)]
    arrived = sum(1 for p in people if p.checked_in_at is not None)
    return staff.render(
        "checkin.html",
        here="/staff/events",
        e=view,
        people=registered,
        q=q,
        arrived=arrived,
        searchable=_searchable,
    )


def _searchable(p: Attendee) -> str:
    return " ".join(filter(None, [p.name, p.contact, p.external_id, p.channel])).lower()


@page("GET", "/staff/events/{id:\\d+}/attendees.csv", DESK_UP)
async def attendees_csv(request: web.Request, staff: Staff) -> web.StreamResponse:
    view, people = await _event(staff, request)
    qids = [str(q.get("id")) for q in view.questions]
    header = [
        "status",
        "position",
        "name",
        "contact",
        "channel",
        "chat_id",
        "locale",
        "signed_up",
        "checked_in",
        *qids,
    ]
    rows = [
        [
            p.registration.status,
            p.registration.waitlist_position or "",
            p.name or "",
            p.contact or "",
            p.channel,
            p.external_id,
            p.locale or "",
            p.registration.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
            p.checked_in_at.astimezone(SHANGHAI).strftime("%H:%M") if p.checked_in_at else "",
            *(p.registration.answers.get(q, "") for q in qids),
        ]
        for p in people
    ]
    return csv_response(f"event-{view.id}-attendees.csv", header, rows)


@page("POST", "/staff/events/{id:\\d+}/notify", DESK_UP)
async def notify(request: web.Request, staff: Staff) -> web.StreamResponse:
    event_id = int(request.match_info["id"])
    form = await staff.form()
    texts = _texts(form, "text")
    if not texts:
        staff.back(f"/staff/events/{event_id}", "text_needed", error=True)
    # The announcement is queued in the outbox in this transaction (sent later).
    async with staff.audited("event.notify", f"event:{event_id}") as audit:
        try:
            sent = await _admin(staff).notify(
                event_id, texts, include_waitlist=bool(form.get("waitlist"))
            )
        except EventError as exc:
            staff.back(f"/staff/events/{event_id}", f"event_{exc.code}", error=True)
        audit.after = {"texts": texts, "sent": sent}
    staff.back(f"/staff/events/{event_id}", "notified", detail=str(sent))


def _audit(view: EventView) -> dict[str, Any]:
    return {
        "title": view.title,
        "category": view.category,
        "starts_at": view.starts_at,
        "ends_at": view.ends_at,
        "place": view.place,
        "capacity": view.capacity,
        "status": view.status,
    }
