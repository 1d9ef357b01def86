"""A fake of WeChat's API server on 127.0.0.1, enforcing the rules Linzhu must follow.

- access tokens: `/cgi-bin/token` always issues a new one; `/cgi-bin/stable_token` returns
  the current one while valid (unless force_refresh). Every newly issued token
  invalidates the previous one (40001); tokens expire after `expires_in` (42001).
- bodies with `\\uXXXX` escapes are refused (40033), as WeChat does.
- customer-service messages reach a user only within 48 hours of their last message and
  at most 5 times in that window (45015).
- template messages need a known template id (40037) and a subscribed user (43004).
- menus: at most 3 buttons, 5 sub-buttons, names of 16/60 bytes (40016, 40018).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

APP_ID = "wx2c2769f8efd9abc2"
APP_SECRET = "fake-secret"
ESCAPED = re.compile(rb"\\u[0-9a-fA-F]{4}")
WINDOW = 48 * 3600


@dataclass
class FakeWeChat:
    app_id: str = APP_ID
    secret: str = APP_SECRET
    expires_in: int = 7200
    templates: set[str] = field(default_factory=lambda: {"TPL-REMINDER"})
    # Since 2021 WeChat refuses matchrules on private data (language) with 65320.
    language_rules_allowed: bool = False
    offset: float = 0.0  # seconds added to the clock (to age tokens and windows)
    token_fetches: int = 0
    stable_fetches: int = 0
    current: tuple[str, float] | None = None  # (token, issued at)
    counter: int = 0
    last_inbound: dict[str, float] = field(default_factory=dict)
    window_sent: dict[str, int] = field(default_factory=dict)
    unsubscribed: set[str] = field(default_factory=set)
    custom: list[dict[str, Any]] = field(default_factory=list)
    template: list[dict[str, Any]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    conditional: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)
    # Media residents sent (MediaId → bytes), for /cgi-bin/media/get.
    media: dict[str, bytes] = field(default_factory=dict)
    url: str = ""

    def now(self) -> float:
        return time.time() + self.offset

    # --- what the test tells the fake -------------------------------------------------
    def user_wrote(self, openid: str) -> None:
        """A message from `openid` reached the account: the 48-hour window (re)opens."""
        self.last_inbound[openid] = self.now()
        self.window_sent[openid] = 0

    def expire_tokens(self) -> None:
        if self.current:
            self.current = (self.current[0], self.now() - self.expires_in - 1)

    def texts_to(self, openid: str) -> list[str]:
        return [m["text"]["content"] for m in self.custom if m["touser"] == openid]

    # --- the server ------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/cgi-bin/token", self._token)
        app.router.add_post("/cgi-bin/stable_token", self._stable_token)
        app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        app.router.add_post("/cgi-bin/message/template/send", self._template_send)
        app.router.add_post("/cgi-bin/menu/create", self._menu_create)
        app.router.add_post("/cgi-bin/menu/addconditional", self._menu_conditional)
        app.router.add_get("/cgi-bin/menu/delete", self._menu_delete)
        app.router.add_get("/cgi-bin/media/get", self._media_get)
        return app

    def add_media(self, data: bytes) -> str:
        """Keep a file as if a user had sent it; its MediaId."""
        media_id = f"MEDIA{len(self.media) + 1}"
        self.media[media_id] = data
        return media_id

    async def _media_get(self, request: web.Request) -> web.Response:
        """Like WeChat: the bytes on success, JSON with errcode on failure."""
        problem = await self._authorised(request)
        if problem:
            return problem
        data = self.media.get(request.query.get("media_id", ""))
        if data is None:
            return _err(40007, "invalid media_id")
        return web.Response(body=data, content_type="image/jpeg")

    def _issue(self) -> dict[str, Any]:
        self.counter += 1
        token = f"TOKEN-{self.counter}"
        self.current = (token, self.now())  # the previous token is dead from now on
        return {"access_token": token, "expires_in": self.expires_in}

    def _valid(self) -> bool:
        return self.current is not None and self.now() - self.current[1] < self.expires_in

    async def _token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("appid") != self.app_id or q.get("secret") != self.secret:
            return _err(40125, "invalid appsecret")
        self.token_fetches += 1
        return web.json_response(self._issue())

    async def _stable_token(self, request: web.Request) -> web.Response:
        body, problem = await self._body(request)
        if problem:
            return problem
        if body.get("appid") != self.app_id or body.get("secret") != self.secret:
            return _err(40125, "invalid appsecret")
        self.stable_fetches += 1
        if self._valid() and not body.get("force_refresh") and self.current:
            left = int(self.expires_in - (self.now() - self.current[1]))
            return web.json_response({"access_token": self.current[0], "expires_in": left})
        return web.json_response(self._issue())

    async def _authorised(self, request: web.Request) -> web.Response | None:
        token = request.query.get("access_token")
        if not token:
            return _err(41001, "access_token missing")
        if self.current is None or token != self.current[0]:
            self.refused.append((request.path, 40001))
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        if not self._valid():
            self.refused.append((request.path, 42001))
            return _err(42001, "access_token expired")
        return None

    async def _body(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        raw = await request.read()
        if ESCAPED.search(raw):
            self.refused.append((request.path, 40033))
            return {}, _err(
                40033,
                "invalid charset. please check your request, if include \\uxxxx will create fail!",
            )
        try:
            return json.loads(raw.decode("utf-8")), None
        except ValueError:
            return {}, _err(47001, "data format error")

    async def _custom_send(self, request: web.Request) -> web.Response:
        denied = await self._authorised(request)
        if denied:
            return denied
        body, problem = await self._body(request)
        if problem:
            return problem
        openid = body.get("touser", "")
        last = self.last_inbound.get(openid)
        if last is None or self.now() - last >= WINDOW or self.window_sent.get(openid, 0) >= 5:
            self.refused.append((request.path, 45015))
            return _err(45015, "response out of time limit or subscription is canceled")
        self.window_sent[openid] = self.window_sent.get(openid, 0) + 1
        self.custom.append(body)
        return _err(0, "ok")

    async def _template_send(self, request: web.Request) -> web.Response:
        denied = await self._authorised(request)
        if denied:
            return denied
        body, problem = await self._body(request)
        if problem:
            return problem
        if body.get("template_id") not in self.templates:
            return _err(40037, "invalid template_id")
        if body.get("touser") in self.unsubscribed:
            return _err(43004, "require subscribe")
        self.template.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": len(self.template)})

    async def _menu_create(self, request: web.Request) -> web.Response:
        body, problem = await self._menu_body(request)
        if problem:
            return problem
        self.menus.append(body)
        return _err(0, "ok")

    async def _menu_conditional(self, request: web.Request) -> web.Response:
        body, problem = await self._menu_body(request)
        if problem:
            return problem
        rule = body.get("matchrule") or {}
        if not rule:
            return _err(65301, "no matchrule")
        if not self.menus:
            return _err(65303, "there is no default menu")
        if "language" in rule and not self.language_rules_allowed:
            return _err(65320, "matchrule contains private information")
        self.conditional.append(body)
        return web.json_response({"menuid": str(len(self.conditional))})

    async def _menu_delete(self, request: web.Request) -> web.Response:
        denied = await self._authorised(request)
        if denied:
            return denied
        self.menus.clear()
        self.conditional.clear()
        return _err(0, "ok")

    async def _menu_body(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        denied = await self._authorised(request)
        if denied:
            return {}, denied
        body, problem = await self._body(request)
        if problem:
            return body, problem
        buttons = body.get("button") or []
        if not 1 <= len(buttons) <= 3:
            return body, _err(40016, "invalid button size")
        for button in buttons:
            if len(button.get("name", "").encode()) > 16:
                return body, _err(40018, "invalid button name size")
            subs = button.get("sub_button") or []
            if len(subs) > 5:
                return body, _err(40023, "invalid sub button size")
            for sub in subs:
                if len(sub.get("name", "").encode()) > 60:
                    return body, _err(40027, "invalid sub button name size")
        return body, None


def _err(code: int, message: str) -> web.Response:
    return web.json_response({"errcode": code, "errmsg": message})


@asynccontextmanager
async def running(fake: FakeWeChat) -> AsyncIterator[FakeWeChat]:
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()
