"""Logging in and out, the staff member's own account (password, second factor), language."""

from __future__ import annotations

import math
from urllib.parse import urlparse

import pyotp
from aiohttp import web

from bot.store.staff.accounts import AccountError, check_password
from bot.store.staff.audit import Actor
from bot.store.staff.tables import CONSOLE_LOCALES
from bot.web.staff import security
from bot.web.staff.core import ANYONE, Console, Staff, page, public_page, render
from bot.web.staff.i18n import console_locale, t, tn


def _safe_next(value: str | None) -> str:
    """Only a path inside the console: never another site (open redirect)."""
    if not value or not value.startswith("/staff/") or value.startswith("//"):
        return "/staff/"
    parsed = urlparse(value)
    return "/staff/" if parsed.netloc or parsed.scheme else value


def _login_page(
    request: web.Request,
    console: Console,
    *,
    error: str = "",
    username: str = "",
    status: int = 200,
    next_page: str | None = None,
) -> web.Response:
    token = security.new_token()
    response = render(
        request,
        "login.html",
        staff=None,
        csrf_token=token,
        next=_safe_next(next_page or request.query.get("next")),
        username=username,
        error=error,
    )
    response.set_status(status)
    security.set_cookie(
        response, request, console.services.settings, security.LOGIN_CSRF_COOKIE, token
    )
    lang = request.query.get("lang")
    if lang in CONSOLE_LOCALES:
        security.set_cookie(
            response,
            request,
            console.services.settings,
            security.LANG_COOKIE,
            lang,
            max_age=365 * 24 * 3600,
        )
    return response


@public_page("GET", "/staff/login")
async def login_form(request: web.Request, console: Console) -> web.StreamResponse:
    lang = request.query.get("lang")
    if lang in CONSOLE_LOCALES:
        console_locale.set(lang)
    return _login_page(request, console)


@public_page("POST", "/staff/login")
async def login(request: web.Request, console: Console) -> web.StreamResponse:
    form = await request.post()
    given = form.get(security.CSRF_FIELD)
    if not security.same_token(
        given if isinstance(given, str) else None, request.cookies.get(security.LOGIN_CSRF_COOKIE)
    ):
        response = render(
            request,
            "forbidden.html",
            staff=None,
            text=t("This form has expired. Go back, reload and try again."),
        )
        response.set_status(403)
        return response
    username = str(form.get("username", "")).strip().lower()[:64]
    password = str(form.get("password", ""))
    code = str(form.get("otp", ""))
    next_page = str(form.get("next", ""))
    settings = console.services.settings
    address = security.client_address(request, settings)
    wait = await console.sessions.locked_for(username, address)
    if wait is not None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        error = tn(
            "Too many failed logins. Try again in %(n)d minute.",
            "Too many failed logins. Try again in %(n)d minutes.",
            minutes,
        ) % {"n": minutes}
        return _login_page(
            request, console, error=error, username=username, status=429, next_page=next_page
        )
    account = await console.accounts.verify(username, password) if username else None
    if account is not None and account.totp:
        secret = await console.accounts.totp_secret(account.id)
        if not code.strip() or not console.accounts.totp_ok(secret, code):
            account = None
    if account is None:
        await console.sessions.failed(username or "-", address)
        error = t("Wrong username, password or code.")
        return _login_page(
            request, console, error=error, username=username, status=401, next_page=next_page
        )
    # The new session and its audit row commit together: no session without its "login"
    # row. (A failed attempt writes no audit row: its lock-out row is its record.)
    async with console.services.db.unit_of_work():
        await console.sessions.succeeded(username)
        token, _session = await console.sessions.start(account.id, address)
        await console.audit.record(Actor(account.id, account.username, address), "login")
    response = web.HTTPSeeOther(_safe_next(next_page))
    security.set_cookie(response, request, settings, security.SESSION_COOKIE, token)
    security.clear_cookie(response, security.LOGIN_CSRF_COOKIE)
    raise response


@page("POST", "/staff/logout")
async def logout(request: web.Request, staff: Staff) -> web.StreamResponse:
    async with staff.audited("logout"):
        await staff.console.sessions.end(staff.session.key)
    response = web.HTTPSeeOther("/staff/login")
    security.clear_cookie(response, security.SESSION_COOKIE)
    raise response


@page("GET", "/staff/")
async def home(request: web.Request, staff: Staff) -> web.StreamResponse:
    raise web.HTTPSeeOther("/staff/today")


@page("POST", "/staff/language", ANYONE)
async def language(request: web.Request, staff: Staff) -> web.StreamResponse:
    locale = (await staff.form()).get("locale", "en")
    await staff.console.accounts.set_ui_locale(staff.account.id, locale)
    referer = urlparse(request.headers.get("Referer", ""))
    target = _safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    response = web.HTTPSeeOther(target)
    if locale in CONSOLE_LOCALES:
        security.set_cookie(
            response,
            request,
            staff.services.settings,
            security.LANG_COOKIE,
            locale,
            max_age=365 * 24 * 3600,
        )
    raise response


@page("GET", "/staff/account")
async def account_page(request: web.Request, staff: Staff) -> web.StreamResponse:
    return _account(staff)


def _account(staff: Staff, secret: str | None = None, error: str = "") -> web.Response:
    """The page; with `secret`, the set-up step of the second factor (never put in a URL)."""
    uri = None
    if secret and not staff.account.totp:
        uri = pyotp.TOTP(secret).provisioning_uri(name=staff.account.username, issuer_name="Linzhu")
    extra = {"message": {"text": error, "kind": "error"}} if error else {}
    return staff.render(
        "account.html", here="/staff/account", new_secret=secret, totp_uri=uri, **extra
    )


@page("POST", "/staff/account/password")
async def change_password(request: web.Request, staff: Staff) -> web.StreamResponse:
    form = await staff.form()
    accounts = staff.console.accounts
    if await accounts.verify(staff.account.username, form.get("current", "")) is None:
        staff.back("/staff/account", "password_wrong", error=True)
    if form.get("new", "") != form.get("again", ""):
        staff.back("/staff/account", "password_mismatch", error=True)
    async with staff.audited("account.password", staff.account.username):
        try:
            check_password(form.get("new", ""))
            await accounts.set_password(staff.account.username, form.get("new", ""))
        except AccountError as exc:
            staff.back("/staff/account", exc.code, error=True)
        await staff.console.sessions.end_all(staff.account.id)
    # Every session ended, this one too: log in again with the new password.
    response = web.HTTPSeeOther("/staff/login")
    security.clear_cookie(response, security.SESSION_COOKIE)
    raise response


@page("POST", "/staff/account/totp")
async def totp(request: web.Request, staff: Staff) -> web.StreamResponse:
    form = await staff.form()
    accounts = staff.console.accounts
    action = form.get("action")
    if action == "start":
        return _account(staff, pyotp.random_base32())
    if action == "confirm":
        secret = form.get("secret", "")
        if not secret or not accounts.totp_ok(secret, form.get("code", "")):
            error = t("That code is not right. Check the clock of your phone and try again.")
            response = _account(staff, secret or pyotp.random_base32(), error)
            response.set_status(400)
            return response
        async with staff.audited("account.totp_on", staff.account.username):
            await accounts.set_totp(staff.account.id, secret)
        staff.back("/staff/account", "totp_on")
    if action == "off":
        if await accounts.verify(staff.account.username, form.get("current", "")) is None:
            staff.back("/staff/account", "password_wrong", error=True)
        async with staff.audited("account.totp_off", staff.account.username):
            await accounts.set_totp(staff.account.id, None)
        staff.back("/staff/account", "totp_off")
    staff.back("/staff/account")
