"""What every console page shares: the route table with its roles, the logged-in staff
member's context, rendering, redirects with a message, and the audit log.

Every page is registered with `page(method, path, roles=…)`; the wrapper it gets checks the
session, the CSRF token of a state-changing request and the role before the handler runs,
so a page cannot forget any of them. Only `public=True` pages (the login form) skip them.

A change and its audit row commit together (`Staff.audited`): a page makes its change inside
the block, fills in what it changed, and redirects after the block.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NoReturn
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.services import Services
from bot.store.staff.accounts import Account, StaffAccounts
from bot.store.staff.audit import Actor, AuditLog
from bot.store.staff.sessions import LiveSession, Lockout, StaffSessions
from bot.store.staff.tables import ADMIN, CONSULTANT, DESK, ROLES
from bot.web.staff import security
from bot.web.staff.i18n import console_locale, pick_locale, t

log = logging.getLogger(__name__)
ANYONE = ROLES
DESK_UP = (ADMIN, DESK)
ADMIN_ONLY = (ADMIN,)


@dataclass
class Console:
    """The console's shared parts, built once per app."""

    services: Services
    accounts: StaffAccounts
    sessions: StaffSessions
    audit: AuditLog
    # Set when the server shuts down, so live streams (Server-Sent Events) end at once
    # instead of holding the shutdown for their whole lifetime.
    closing: asyncio.Event = field(default_factory=asyncio.Event)


CONSOLE_KEY: web.AppKey[Console] = web.AppKey("linzhu_staff_console", Console)
TEMPLATES_APP_KEY: web.AppKey[jinja2.Environment] = web.AppKey(
    "linzhu_staff_templates", jinja2.Environment
)


def build_console(services: Services) -> Console:
    s = services.settings
    window = timedelta(minutes=s.staff_login_lock_minutes)
    sessions = StaffSessions(
        services.db,
        idle=timedelta(minutes=s.staff_session_idle_minutes),
        max_age=timedelta(hours=s.staff_session_max_hours),
        lockout=Lockout(s.staff_login_max_failures, s.staff_login_max_failures_per_address, window),
    )
    return Console(services, StaffAccounts(services.db), sessions, AuditLog(services.db))


@dataclass
class Audit:
    """The audit row an `audited` block writes when it ends: the block fills in the target
    (a new record's id, say) and what it was before and is after. A "before" is read in
    the block, after `Database.lock_row`: a value read before the block may have changed
    by the time the change is made."""

    action: str
    target: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    changed: bool = True  # False: the block found nothing to change, and writes no row


@dataclass
class Staff:
    """The request's logged-in staff member and the console's parts."""

    request: web.Request
    console: Console
    session: LiveSession
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def account(self) -> Account:
        return self.session.account

    @property
    def services(self) -> Services:
        return self.console.services

    @property
    def role(self) -> str:
        return self.account.role

    @property
    def is_consultant(self) -> bool:
        return self.role == CONSULTANT

    @property
    def own_consultant(self) -> int | None:
        """The consultant whose schedule a consultant account is limited to (None: no limit)."""
        if not self.is_consultant:
            return None
        return self.account.consultant_id if self.account.consultant_id is not None else -1

    async def form(self) -> dict[str, str]:
        data = await self.request.post()
        return {k: v for k, v in data.items() if isinstance(v, str)}

    async def form_lists(self, *names: str) -> dict[str, list[str]]:
        data = await self.request.post()
        return {n: [v for v in data.getall(n, []) if isinstance(v, str)] for n in names}

    def render(self, template: str, **context: Any) -> web.Response:
        context.setdefault("message", message_of(self.request))
        return render(self.request, template, staff=self, **context)

    def back(self, path: str, code: str = "", error: bool = False, **params: Any) -> NoReturn:
        """Post/redirect/get: back to a page, with a message code to show there."""
        query = {k: v for k, v in params.items() if v not in (None, "")}
        if code:
            query["msg"] = code
            query["kind"] = "error" if error else "ok"
        target = path + (("?" + urlencode(query)) if query else "")
        raise web.HTTPSeeOther(target)

    async def audit(
        self,
        action: str,
        target: str = "",
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """An audit row, in a transaction of its own (outside an `audited` block): for what
        changes nothing in the database (a file exported, a message sent); a change is
        recorded with `audited`, which commits the row with it."""
        actor = Actor(
            self.account.id,
            self.account.username,
            security.client_address(self.request, self.services.settings),
        )
        await self.console.audit.record(actor, action, target, before=before, after=after)

    @asynccontextmanager
    async def audited(
        self,
        action: str,
        target: str = "",
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> AsyncIterator[Audit]:
        """A change and its audit row in one transaction: the store calls in the block join
        it (the unit of work, bot/store/db.py), the row is written in it when the block ends,
        and both commit or neither does.

        An exception in the block rolls the change back and writes no row: a failed action's
        error redirect (`back(..., error=True)`) may be raised inside, but the success
        redirect comes after the block, once it has committed. Nothing that talks to the
        network goes inside either: the block holds the database (on SQLite the process's
        one writer's turn) until it ends; a message to a resident is sent after it."""
        entry = Audit(action, target, before, after)
        async with self.services.db.unit_of_work():
            yield entry
            if entry.changed:
                await self.audit(entry.action, entry.target, before=entry.before, after=entry.after)


def message_of(request: web.Request) -> dict[str, str] | None:
    from bot.web.staff.messages import MESSAGES  # the texts, one table for every page

    code = request.query.get("msg", "")
    if code not in MESSAGES:
        return None
    kind = "error" if request.query.get("kind") == "error" else "ok"
    text = str(MESSAGES[code])
    detail = request.query.get("detail", "")[:300]
    return {"text": f"{text} {detail}" if detail else text, "kind": kind}


def render(request: web.Request, template: str, **context: Any) -> web.Response:
    context.setdefault("locale", console_locale.get())
    context.setdefault("message", None)
    context.setdefault("here", "")
    return aiohttp_jinja2.render_template(template, request, context, app_key=TEMPLATES_APP_KEY)


StaffHandler = Callable[[web.Request, Staff], Awaitable[web.StreamResponse]]
PublicHandler = Callable[[web.Request, Console], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Page:
    method: str
    path: str
    roles: tuple[str, ...]
    handler: Callable[..., Awaitable[web.StreamResponse]]
    public: bool = False


PAGES: list[Page] = []


def page(
    method: str, path: str, roles: tuple[str, ...] = ANYONE
) -> Callable[[StaffHandler], StaffHandler]:
    """Register a console page: logged in, with one of `roles`; POSTs need the CSRF token."""

    def register(handler: StaffHandler) -> StaffHandler:
        PAGES.append(Page(method, path, tuple(roles), handler))
        return handler

    return register


def public_page(method: str, path: str) -> Callable[[PublicHandler], PublicHandler]:
    """A page anyone may open (the login form); it checks its own CSRF token."""

    def register(handler: PublicHandler) -> PublicHandler:
        PAGES.append(Page(method, path, (), handler, public=True))
        return handler

    return register


def guarded(page_: Page) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        console = request.app[CONSOLE_KEY]
        token = console_locale.set(pick_locale(request.headers.get("Accept-Language")))
        try:
            response = await _run(page_, request, console)
        except web.HTTPException as exc:
            security.harden(exc)
            raise
        finally:
            console_locale.reset(token)
        security.harden(response)
        return response

    return handle


async def _run(page_: Page, request: web.Request, console: Console) -> web.StreamResponse:
    lang = request.cookies.get(security.LANG_COOKIE)
    if lang:
        console_locale.set(lang if lang in ("en", "zh_Hans") else "en")
    if page_.public:
        return await page_.handler(request, console)
    cookie = request.cookies.get(security.SESSION_COOKIE)
    session = await console.sessions.resume(cookie) if cookie else None
    if session is None:
        target = request.path_qs if request.method == "GET" else "/staff/"
        raise web.HTTPSeeOther("/staff/login?" + urlencode({"next": target}))
    console_locale.set(session.account.ui_locale)
    if request.method not in ("GET", "HEAD"):
        given = await security.posted_token(request)
        if not security.same_token(given, session.csrf_token):
            log.warning(
                "console: %s %s refused: CSRF token missing or wrong", request.method, request.path
            )
            return forbidden(request, t("This form has expired. Go back, reload and try again."))
    if session.account.role not in page_.roles:
        return forbidden(
            request, t("Your account cannot open this page."), session=session, console=console
        )
    staff = Staff(request, console, session)
    return await page_.handler(request, staff)


def forbidden(
    request: web.Request,
    text: str,
    *,
    session: LiveSession | None = None,
    console: Console | None = None,
) -> web.Response:
    staff = Staff(request, console, session) if session and console else None
    response = render(request, "forbidden.html", text=text, staff=staff)
    response.set_status(403)
    return response


__all__ = [
    "ADMIN",
    "ADMIN_ONLY",
    "ANYONE",
    "CONSULTANT",
    "DESK",
    "DESK_UP",
    "Audit",
    "Staff",
    "page",
]
