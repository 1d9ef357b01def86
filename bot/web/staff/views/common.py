"""Helpers several console pages share: what a consultant may see, CSV and file responses."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from aiohttp import web

from bot.store.consultations.tables import Booking, BookingView
from bot.web.staff.core import Staff


def may_see(staff: Staff, booking: BookingView) -> bool:
    """A consultant sees only bookings of their own consultant record; others see all."""
    own = staff.own_consultant
    return own is None or booking.slot.consultant_id == own


async def visible_booking(staff: Staff, booking_id: int) -> BookingView:
    booking = await staff.services.bookings.get(booking_id)
    if booking is None or not may_see(staff, booking):
        raise web.HTTPNotFound()
    return booking


async def held_booking(staff: Staff, booking_id: int) -> BookingView:
    """In an `audited` block: the booking as the block's change finds it, held until the
    block commits (its "before"), and refused as `visible_booking` refuses it: it may have
    moved to another consultant's slot since the page looked (the refusal rolls back)."""
    await staff.services.db.lock_row(Booking, booking_id)
    return await visible_booking(staff, booking_id)


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    # A byte-order mark so spreadsheet programs open Chinese text as UTF-8.
    return file_response(filename, "\ufeff" + out.getvalue(), "text/csv")


def file_response(filename: str, body: str | bytes, content_type: str) -> web.Response:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return web.Response(
        body=data,
        content_type=content_type,
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def int_or_none(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None
