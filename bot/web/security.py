"""Security headers on every response of the aiohttp app (pages, API, static files, errors).

`install_security_headers(app, frame_ancestors=...)` adds them as each response is prepared,
so responses raised as exceptions (404, 405) and static files get them too. A page that
needs another policy sets its own `Content-Security-Policy` and it is kept; every other
header is set only when the response has not set it.

The default policy allows only this origin's own scripts, styles, images and requests: no
inline script or style, no plugins, no `<base>` tricks, and no framing unless
WEBCHAT_FRAME_ANCESTORS names the sites that may embed the chat.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aiohttp import web
from aiohttp import web_response as aiohttp_web_response
from aiohttp.http_exceptions import HttpProcessingError

SERVER = "Linzhu"  # no framework or version for a scanner to match


def content_security_policy(frame_ancestors: Sequence[str] = ()) -> str:
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


def security_headers(frame_ancestors: Sequence[str] = ()) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(frame_ancestors),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if not frame_ancestors:  # for browsers that predate frame-ancestors
        headers["X-Frame-Options"] = "DENY"
    return headers


def install_security_headers(app: web.Application, frame_ancestors: Sequence[str] = ()) -> None:
    """Add the headers to every response `app` sends, and hide the server's version."""
    defaults = security_headers(frame_ancestors)
    # aiohttp answers requests it cannot parse (400) before any application sees them, with
    # its default Server header naming the aiohttp and Python versions; that default is a
    # module constant, read when each response is prepared.
    aiohttp_web_response.SERVER_SOFTWARE = SERVER

    async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
        for name, value in defaults.items():
            response.headers.setdefault(name, value)
        # Personal data (bookings, notes) must not sit in shared or browser caches.
        if response.content_type == "application/json":
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers["Server"] = SERVER

    app.on_response_prepare.append(on_prepare)


class QuietMalformedRequests(logging.Filter):
    """aiohttp logs a request it cannot parse (bad header bytes, a broken request line) as an
    ERROR with a traceback; it is bad input, answered 400 by aiohttp: one INFO line."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, HttpProcessingError):
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
            record.msg = "malformed HTTP request from %s refused (400): %.200s"
            record.args = (remote, " ".join(str(exc.message).split()))
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def quiet_malformed_requests() -> None:
    """Install QuietMalformedRequests on aiohttp's server logger (once)."""
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, QuietMalformedRequests) for f in server_log.filters):
        server_log.addFilter(QuietMalformedRequests())
