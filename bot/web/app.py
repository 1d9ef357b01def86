"""The aiohttp application: the health check, and the routes of the components given."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from bot.channels.webchat.api import api_error
from bot.core.dispatcher import Dispatcher
from bot.services import Services

if TYPE_CHECKING:
    from bot.runtime import Component

log = logging.getLogger(__name__)
WebHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SERVICES_KEY: web.AppKey[Services] = web.AppKey("services", Services)


@web.middleware
async def errors_middleware(request: web.Request, handler: WebHandler) -> web.StreamResponse:
    """Oversized or broken requests get a clear answer; nothing escapes as a 500 page."""
    try:
        return await handler(request)
    except web.HTTPRequestEntityTooLarge:
        return api_error(request, 413, "The request is too large.")
    except web.HTTPException as exc:
        # The JSON API answers in JSON, in the browser's language, whatever went wrong.
        if request.path.startswith("/api/") and exc.status == 404:
            return api_error(request, 404, "There is nothing at this address.")
        if request.path.startswith("/api/") and exc.status == 405:
            return api_error(request, 405, "This address does not accept this kind of request.")
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return api_error(request, 500, "Something went wrong on our side.")


def create_web_app(dispatcher: Dispatcher, *components: Component) -> web.Application:
    services: Services = dispatcher.services
    app = web.Application(
        client_max_size=services.settings.max_body_bytes, middlewares=[errors_middleware]
    )
    app[SERVICES_KEY] = services

    async def healthz(request: web.Request) -> web.Response:
        ok = await services.db.ping()
        return web.json_response(
            {"status": "ok" if ok else "unavailable", "database": ok}, status=200 if ok else 503
        )

    app.router.add_get("/healthz", healthz)
    for component in components:
        component.add_routes(app)
    return app
