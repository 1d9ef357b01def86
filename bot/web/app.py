"""The aiohttp application: /healthz (alive), /readyz (ready for traffic), the components."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from bot.channels.webchat.api import api_error
from bot.core.dispatcher import Dispatcher
from bot.core.observe import new_request_id, request_id
from bot.i18n import N_
from bot.ops.health import Readiness
from bot.services import Services
from bot.web import security_txt
from bot.web.security import install_security_headers, quiet_malformed_requests

if TYPE_CHECKING:
    from bot.runtime import Component

log = logging.getLogger(__name__)
WebHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SERVICES_KEY: web.AppKey[Services] = web.AppKey("services", Services)


# Errors aiohttp raises itself (no route, wrong method, bad request), in words people read.
HTTP_ERRORS = {
    400: N_("The request is malformed."),
    404: N_("There is nothing at this address."),
    405: N_("This address does not accept that method."),
    413: N_("The request is too large."),
}


@web.middleware
async def errors_middleware(request: web.Request, handler: WebHandler) -> web.StreamResponse:
    """Every error is JSON; an internal failure is logged and answered, never a bare 500 page.

    Bad input must never get this far as an exception: the channels check what they are
    sent and answer 4xx themselves. What still fails is a bug or an outage — logged with its
    traceback (at most once a minute per cause, see bot/logs.py) and answered with a 500.
    """
    rid = new_request_id()
    token = request_id.set(rid)  # every log line of this request carries it
    try:
        response = await _answer(request, handler)
        if not response.prepared:  # the id to quote when asking about a request
            response.headers["X-Request-Id"] = rid
        return response
    finally:
        request_id.reset(token)


async def _answer(request: web.Request, handler: WebHandler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        worded = exc.text != f"{exc.status}: {exc.reason}" and exc.status != 413
        if exc.status < 400 or worded:
            raise  # redirects, and errors a handler worded itself
        message = HTTP_ERRORS.get(exc.status, N_("The request could not be handled."))
        response = api_error(request, exc.status, message)
        for name in ("Allow", "Retry-After"):
            if name in exc.headers:
                response.headers[name] = exc.headers[name]
        return response
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return api_error(request, 500, N_("Something went wrong on our side."))


def create_web_app(dispatcher: Dispatcher, *components: Component) -> web.Application:
    services: Services = dispatcher.services
    settings = services.settings
    # client_max_size binds whole-body reads (read, post, json). The web chat's upload reads
    # its form part by part, within a limit of its own (bot/channels/webchat/upload.py).
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[errors_middleware])
    app[SERVICES_KEY] = services
    install_security_headers(app, settings.frame_ancestors)
    quiet_malformed_requests()

    async def healthz(request: web.Request) -> web.Response:
        ok = await services.db.ping()
        return web.json_response(
            {"status": "ok" if ok else "unavailable", "database": ok}, status=200 if ok else 503
        )

    readiness = Readiness(services)

    async def readyz(request: web.Request) -> web.Response:
        ok, report = await readiness.check()
        return web.json_response(report, status=200 if ok else 503)

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    security_txt.add_routes(app, settings)
    for component in components:
        component.add_routes(app)
    return app
