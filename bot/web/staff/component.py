"""The console as a `linzhu serve` component: its pages, templates, static files, catalogs."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.core.dispatcher import Dispatcher
from bot.services import Services
from bot.web.staff import formatting, i18n
from bot.web.staff.core import CONSOLE_KEY, PAGES, TEMPLATES_APP_KEY, build_console, guarded
from bot.web.staff.views import load_views

HERE = Path(__file__).resolve().parent


class StaffConsole:
    name = "staff-console"

    def __init__(self, services: Services) -> None:
        self.services = services

    def add_routes(self, app: web.Application) -> None:
        i18n.load(self.services.settings.locales_dir)
        app[CONSOLE_KEY] = build_console(self.services)
        app.on_shutdown.append(_end_live_streams)
        env = aiohttp_jinja2.setup(
            app,
            app_key=TEMPLATES_APP_KEY,
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            undefined=jinja2.StrictUndefined,
            default_helpers=False,
        )
        env.install_gettext_callables(i18n.t, i18n.tn, newstyle=True)  # type: ignore[attr-defined]
        formatting.install(env)
        load_views()
        for page in PAGES:
            app.router.add_route(page.method, page.path, guarded(page))
        app.router.add_static("/staff/static/", HERE / "static", append_version=True)
        app.router.add_get("/staff", _to_console)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


async def _to_console(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently("/staff/")


def staff_console(dispatcher: Dispatcher) -> StaffConsole | None:
    services: Services = dispatcher.services
    return StaffConsole(services) if services.settings.staff_console else None


async def _end_live_streams(app: web.Application) -> None:
    app[CONSOLE_KEY].closing.set()
