"""Residents: find one (name, contact, chat id), see their bookings and registrations, edit
the name and contact staff keep, and export or delete their data on request — with the same
code as the resident's own /privacy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.core.types import utcnow
from bot.i18n.locales import LOCALES
from bot.store.privacy import PrivacyStore
from bot.store.tables import User
from bot.web.staff.core import DESK_UP, Staff, page
from bot.web.staff.views.common import file_response

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


async def _resident(staff: Staff, request: web.Request) -> User:
    user = await staff.services.users.get_by_id(int(request.match_info["id"]))
    if user is None:
        raise web.HTTPNotFound()
    return user


async def _held_resident(staff: Staff, request: web.Request) -> User:
    """In an `audited` block: the resident as its change finds them, held until it commits."""
    await staff.services.db.lock_row(User, int(request.match_info["id"]))
    return await _resident(staff, request)


@page("GET", "/staff/residents", DESK_UP)
async def residents(request: web.Request, staff: Staff) -> web.StreamResponse:
    q = request.query.get("q", "")
    found = await staff.services.users.search(q) if q.strip() else []
    return staff.render(
        "residents.html", here="/staff/residents", q=q, found=found, locales=LOCALES
    )


@page("GET", "/staff/residents/{id:\\d+}", DESK_UP)
async def resident(request: web.Request, staff: Staff) -> web.StreamResponse:
    user = await _resident(staff, request)
    assert user.id is not None
    wide = utcnow() - timedelta(days=3650), utcnow() + timedelta(days=3650)
    bookings = await staff.services.schedule.search_bookings(*wide, user_id=user.id)
    # Every registration, past ones too.
    registrations = await staff.services.events.registrations_for(user.id, now=LONG_AGO)
    stored = await PrivacyStore(staff.services.db).summary(user.id)
    conversations = [
        (c, await staff.services.handoff.messages(c.id or 0))
        for c in await staff.services.handoff.for_user(user.id)
    ]
    return staff.render(
        "resident.html",
        here="/staff/residents",
        user=user,
        bookings=bookings,
        registrations=registrations,
        stored=stored,
        conversations=conversations,
        locales=LOCALES,
    )


@page("POST", "/staff/residents/{id:\\d+}", DESK_UP)
async def edit_resident(request: web.Request, staff: Staff) -> web.StreamResponse:
    user = await _resident(staff, request)
    assert user.id is not None
    form = await staff.form()
    async with staff.audited("resident.edit", f"user:{user.id}") as audit:
        user = await _held_resident(staff, request)
        audit.before = {"name": user.display_name, "contact": user.contact}
        assert user.id is not None
        after = await staff.services.users.set_profile(
            user.id, display_name=form.get("name"), contact=form.get("contact")
        )
        assert after is not None
        audit.after = {"name": after.display_name, "contact": after.contact}
    staff.back(f"/staff/residents/{user.id}", "saved")


@page("GET", "/staff/residents/{id:\\d+}/export.json", DESK_UP)
async def export(request: web.Request, staff: Staff) -> web.StreamResponse:
    user = await _resident(staff, request)
    assert user.id is not None
    data = await PrivacyStore(staff.services.db).export(user.id)
    # A read: the audit row is the only write, made before the data is handed out.
    await staff.audit("resident.export", f"user:{user.id}")
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return file_response(f"resident-{user.id}.json", body, "application/json")


@page("POST", "/staff/residents/{id:\\d+}/delete", DESK_UP)
async def delete(request: web.Request, staff: Staff) -> web.StreamResponse:
    user = await _resident(staff, request)
    assert user.id is not None
    svc = staff.services
    async with staff.audited("resident.erase", f"user:{user.id}") as audit:
        user = await _held_resident(staff, request)
        audit.before = {"channel": user.channel, "name": user.display_name}
        await PrivacyStore(svc.db).erase_everything(user, svc.bookings, svc.events)
    staff.back(f"/staff/residents/{user.id}", "erased")
