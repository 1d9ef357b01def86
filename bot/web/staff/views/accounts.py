"""Staff accounts and the audit log: administrators only."""

from __future__ import annotations

import json
from datetime import timedelta

from aiohttp import web

from bot.i18n.format import SHANGHAI
from bot.store.staff.accounts import AccountError
from bot.store.staff.tables import ROLES, AuditEntry, StaffAccount
from bot.web.staff import dates
from bot.web.staff.core import ADMIN_ONLY, Staff, page
from bot.web.staff.views.common import csv_response, int_or_none


@page("GET", "/staff/accounts", ADMIN_ONLY)
async def accounts(request: web.Request, staff: Staff) -> web.StreamResponse:
    return staff.render(
        "accounts.html",
        here="/staff/accounts",
        accounts=await staff.console.accounts.list(),
        consultants=await staff.services.schedule.consultants(),
        roles=ROLES,
    )


@page("POST", "/staff/accounts", ADMIN_ONLY)
async def add_account(request: web.Request, staff: Staff) -> web.StreamResponse:
    form = await staff.form()
    consultant = int_or_none(form.get("consultant"))
    async with staff.audited("staff.add") as audit:
        try:
            made = await staff.console.accounts.add(
                form.get("username", ""),
                form.get("password", ""),
                form.get("role", ""),
                consultant_id=consultant,
            )
        except AccountError as exc:
            staff.back("/staff/accounts", exc.code, error=True)
        audit.target = made.username
        audit.after = {"role": made.role, "consultant_id": made.consultant_id}
    staff.back("/staff/accounts", "account_added")


@page("POST", "/staff/accounts/{id:\\d+}", ADMIN_ONLY)
async def edit_account(request: web.Request, staff: Staff) -> web.StreamResponse:
    account_id = int(request.match_info["id"])
    form = await staff.form()
    active = bool(form.get("active"))
    if account_id == staff.account.id and (not active or form.get("role") != "admin"):
        staff.back("/staff/accounts", "not_yourself", error=True)
    # The role, the password and the sessions ended change together (or, on an error, none).
    async with staff.audited("staff.edit") as audit:
        await staff.services.db.lock_row(StaffAccount, account_id)
        before = await staff.console.accounts.get(account_id)
        if before is None:
            raise web.HTTPNotFound()
        audit.target = before.username
        audit.before = {
            "role": before.role,
            "consultant_id": before.consultant_id,
            "active": before.active,
        }
        try:
            after = await staff.console.accounts.update(
                account_id,
                role=form.get("role", ""),
                consultant_id=int_or_none(form.get("consultant")),
                active=active,
            )
            if form.get("password"):
                after = await staff.console.accounts.set_password(after.username, form["password"])
        except AccountError as exc:
            staff.back("/staff/accounts", exc.code, error=True)
        if not after.active or form.get("password") or after.role != before.role:
            await staff.console.sessions.end_all(account_id)
        audit.target = after.username
        audit.after = {
            "role": after.role,
            "consultant_id": after.consultant_id,
            "active": after.active,
            "password_reset": bool(form.get("password")),
        }
    staff.back("/staff/accounts", "saved")


async def _entries(request: web.Request, staff: Staff) -> tuple[dict[str, str], list[AuditEntry]]:
    first = dates.parse_day(request.query.get("from"), dates.today() - timedelta(days=30))
    last = dates.parse_day(request.query.get("to"))
    who = request.query.get("user", "").strip()
    rows = await staff.console.audit.entries(
        since=dates.start_of(first),
        until=dates.start_of(last + timedelta(days=1)),
        username=who or None,
        limit=None if request.path.endswith(".csv") else 500,
    )
    return {"from": first.isoformat(), "to": last.isoformat(), "user": who}, rows


@page("GET", "/staff/audit", ADMIN_ONLY)
async def audit(request: web.Request, staff: Staff) -> web.StreamResponse:
    filters, rows = await _entries(request, staff)
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return staff.render(
        "audit.html", here="/staff/audit", filters=filters, rows=rows, query=query, dumps=_dumps
    )


@page("GET", "/staff/audit.csv", ADMIN_ONLY)
async def audit_csv(request: web.Request, staff: Staff) -> web.StreamResponse:
    _filters, rows = await _entries(request, staff)
    return csv_response(
        "audit-log.csv",
        ["time", "user", "address", "action", "target", "before", "after"],
        [
            [
                r.created_at.astimezone(SHANGHAI).isoformat(timespec="seconds"),
                r.username,
                r.address or "",
                r.action,
                r.target,
                _dumps(r.before),
                _dumps(r.after),
            ]
            for r in rows
        ],
    )


def _dumps(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
