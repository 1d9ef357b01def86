"""/.well-known/security.txt (RFC 9116): where to report a vulnerability.

Served only when SECURITY_CONTACT names someone: the centre publishes its own address, and
Linzhu invents none. The file is generated from the running configuration, so its Expires
is a week ahead of each request: a reader re-fetches it rather than trusting an old copy,
and a contact that changes in the settings is never shadowed by a stale expiry date.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from bot.config import Settings
from bot.core.types import utcnow

PATH = "/.well-known/security.txt"
EXPIRES_AFTER = timedelta(days=7)
# The languages reports are read in (the team's own, not every locale residents use).
PREFERRED_LANGUAGES = "en, zh"


def security_txt(settings: Settings) -> str | None:
    """The file's text, or None when no contact is configured."""
    contacts = settings.security_contacts
    if not contacts:
        return None
    expires = (utcnow() + EXPIRES_AFTER).replace(microsecond=0)
    lines = [f"Contact: {contact}" for contact in contacts]
    lines.append(f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    lines.append(f"Preferred-Languages: {PREFERRED_LANGUAGES}")
    if settings.public_url:
        lines.append(f"Canonical: {settings.public_url}{PATH}")
    if settings.security_policy_url:
        lines.append(f"Policy: {settings.security_policy_url}")
    return "\n".join(lines) + "\n"


def add_routes(app: web.Application, settings: Settings) -> None:
    async def handler(request: web.Request) -> web.Response:
        body = security_txt(settings)
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(text=body, content_type="text/plain", charset="utf-8")

    app.router.add_get(PATH, handler)
    app.router.add_get("/security.txt", handler)  # the legacy location (RFC 9116 §3)
