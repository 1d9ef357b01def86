"""Cookies, CSRF tokens and the response headers of every console page.

The console works under a strict Content-Security-Policy: scripts and styles come only from
/staff/static/ (no inline script, no style attribute), forms post only to this origin, and
no page can be framed.
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from bot.config import Settings

SESSION_COOKIE = "linzhu_staff"
LOGIN_CSRF_COOKIE = "linzhu_staff_login"
LANG_COOKIE = "linzhu_staff_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


def is_https(request: web.Request) -> bool:
    """Directly, or behind a reverse proxy that says so."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


def secure_cookies(request: web.Request, settings: Settings) -> bool:
    mode = settings.staff_cookie_secure
    return mode == "always" or (mode == "auto" and is_https(request))


def set_cookie(
    response: web.StreamResponse,
    request: web.Request,
    settings: Settings,
    name: str,
    value: str,
    max_age: int | None = None,
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/staff",
        httponly=True,
        samesite="Strict",
        secure=secure_cookies(request, settings),
    )


def clear_cookie(response: web.StreamResponse, name: str) -> None:
    response.del_cookie(name, path="/staff")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(given: str | None, expected: str | None) -> bool:
    return bool(given and expected) and hmac.compare_digest(str(given), str(expected))


async def posted_token(request: web.Request) -> str | None:
    """The CSRF token of a form post (the field) or of a script's request (the header)."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def harden(response: web.StreamResponse) -> None:
    """Headers for every console response (set only where nothing set them already)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cache-Control", "no-store")


def client_address(request: web.Request, settings: Settings) -> str:
    """The address login limits count by: the peer, or behind our own reverse proxy the
    address it appended last to X-Forwarded-For (earlier entries are the client's to forge)."""
    if settings.staff_behind_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return (request.remote or "unknown")[:64]
