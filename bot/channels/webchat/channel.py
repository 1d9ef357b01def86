"""The built-in web chat channel: a page at / and a JSON API.

POST /api/chat  {"text": str} or {"payload": str}
             →  {"locale": str, "replies": [{"text", "buttons": [{"label", "payload"}],
                 "attachments"}], "ui": {...}, "handoff": bool (when it changed)}
POST /api/chat/file  multipart/form-data: "file" and an optional "caption" (upload.py)
             →  the same answer as POST /api/chat.
GET /api/inbox  →  {"locale", "replies"}: reminders filed since the last poll ("handoff"
                 too, when there are any).
GET /api/history → {"locale", "messages": [{"role": "user", "text"} | {"role": "bot", reply}],
                 "ui", "handoff"}: the session's last 50 bubbles, which the page shows on load.

"handoff" says whether the resident is in a live conversation with staff: the page then
offers to send a photo or a PDF. POST /api/chat says it only after a message that asked for
a person, went to staff or ended the conversation (the handlers' hint; the page keeps what
it knew otherwise); the other routes always say it.

A browser's conversation is kept server-side (bot/store/webhistory.py), for its session only:
the resident's bubble for a tapped button is the label the server showed, looked up in that
history, never a label the page sends. The page's own greeting (`{"text": "/start",
"opening": true}`, sent when there is no history) is not kept as a bubble.

The browser is identified by the `linzhu_session` cookie the server sets on the first visit
(identity.py); a trusted integration with `Authorization: Bearer <WEBCHAT_API_TOKEN>` names
the user instead (`"user"` in the body, `?user=` for the inbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.channels.webchat.api import api_error, page_strings, reply_json
from bot.channels.webchat.identity import Caller, Identities, Refused
from bot.channels.webchat.inbox import WebInboxSender, fetch_inbox
from bot.channels.webchat.limits import ChatLimits
from bot.channels.webchat.upload import BadUpload, read_upload, shown_upload, upload_incoming
from bot.core.channel import Capabilities
from bot.core.context import STAFF_ANSWERING
from bot.core.dispatcher import Dispatcher
from bot.core.types import Incoming, UserRef
from bot.i18n import N_, use_locale
from bot.i18n.resolver import accept_language_locale
from bot.store.ratelimit import RateCounters
from bot.store.webhistory import Bubble, WebHistoryStore
from bot.store.websessions import WebSessionStore

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent.parent.parent / "web" / "static"
PRUNE_EVERY = 3600.0  # seconds between clean-ups of ended sessions and old counters


class WebChatChannel:
    name = "web"
    # Real buttons and files; no push: the page polls its inbox.
    capabilities = Capabilities(buttons="inline", attachments=True, push=False)

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self.services = dispatcher.services
        settings = self.services.settings
        self.sender = WebInboxSender(self.services.inbox)
        idle = timedelta(days=settings.webchat_session_idle_days)
        self.sessions = WebSessionStore(self.services.db, idle)
        self.history = WebHistoryStore(self.services.db)
        self.identities = Identities(
            self.sessions,
            settings.webchat_api_token,
            secure_cookie=(settings.public_url or "").startswith("https://"),
            idle=idle,
        )
        self.counters = RateCounters(self.services.db)
        self.limits = ChatLimits(
            self.counters,
            per_session=settings.webchat_rate_per_session,
            per_address=settings.webchat_rate_per_address,
            trusted_proxies=settings.trusted_proxy_networks,
        )
        self._pruner: asyncio.Task[None] | None = None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.index)
        app.router.add_post("/api/chat", self.chat)
        app.router.add_post("/api/chat/file", self.chat_file)
        app.router.add_get("/api/inbox", self.inbox)
        app.router.add_get("/api/history", self.past)
        app.router.add_static("/static/", STATIC)

    async def start(self) -> None:
        self._pruner = asyncio.create_task(self._prune_forever(), name="web chat pruning")

    async def stop(self) -> None:
        if self._pruner is not None:
            self._pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pruner

    async def index(self, request: web.Request) -> web.FileResponse:
        """The page; a browser without a live session gets one now, in its cookie."""
        response = web.FileResponse(STATIC / "index.html")
        # Sessions cost a row: a client over its address budget gets the page without one
        # (its first message will be refused with 429 anyway).
        if (
            await self.identities.session_user(request) is None
            and await self.limits.address_wait(request) is None
        ):
            issued = await self.sessions.issue()
            self.identities.set_cookie(response, issued.token)
        return response

    async def chat(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError, RecursionError):
            return api_error(request, 400, N_("The request is not valid JSON."))
        if not isinstance(body, dict):
            return api_error(request, 400, N_("The request must be a JSON object."))
        try:
            trusted = self.identities.trusted(request)
            if not trusted:
                self.identities.refuse_cross_site(request)
            if "user" in body and not trusted:
                raise self.identities.refuse_named_user()
            user = self.identities.named_user(body.get("user")) if trusted else None
        except Refused as exc:
            return api_error(request, exc.status, exc.message)
        text, payload = body.get("text"), body.get("payload")
        if (text is None) == (payload is None):
            return api_error(request, 400, N_('Send exactly one of "text" or "payload".'))
        if not isinstance(text if text is not None else payload, str):
            return api_error(request, 400, N_('"text" and "payload" must be strings.'))
        if user is not None:
            caller = Caller(user, trusted=True)
        else:
            if (wait := await self.limits.address_wait(request)) is not None:
                return too_many(request, wait)
            caller = await self.identities.browser(request)
            if (wait := await self.limits.session_wait(caller.external_id)) is not None:
                return too_many(request, wait)
        incoming = Incoming(
            user=UserRef("web", caller.external_id),
            chat_id=caller.external_id,
            text=text,
            payload=payload,
            language_hint=request.headers.get("Accept-Language"),
        )
        opening = body.get("opening") is True and text == "/start"
        # What Incoming cleaned (no NUL, no lone surrogate); the greeting is no bubble.
        shown = None if opening else incoming.text
        return await self._answer(request, caller, incoming, shown, ask_store=False)

    async def chat_file(self, request: web.Request) -> web.Response:
        """A photo or a PDF with an optional caption, as multipart/form-data (upload.py).

        Who sends it is decided as for POST /api/chat, except that a browser must already
        have a session (the page that offers the upload made one), and before the body is
        read: a refused caller's file is never received, nor is one past the rate limits.
        """
        try:
            browser = await self.identities.existing_session(request)  # None: trusted
        except Refused as exc:
            return api_error(request, exc.status, exc.message)
        if browser is not None:
            if (wait := await self.limits.address_wait(request)) is not None:
                return too_many(request, wait)
            if (wait := await self.limits.session_wait(browser.external_id)) is not None:
                return too_many(request, wait)
        try:
            upload = await read_upload(request, self.services.settings.handoff_attachment_max_bytes)
        except BadUpload as exc:
            return api_error(request, exc.status, exc.message, **exc.values)
        try:
            if browser is None:
                caller = Caller(self.identities.named_user(upload.user), trusted=True)
            elif upload.user is not None:
                raise self.identities.refuse_named_user()
            else:
                caller = browser
        except Refused as exc:
            return api_error(request, exc.status, exc.message)
        incoming = upload_incoming(upload, caller.external_id, request)
        return await self._answer(request, caller, incoming, shown_upload(incoming), ask_store=True)

    async def _answer(
        self,
        request: web.Request,
        caller: Caller,
        incoming: Incoming,
        shown: str | None,
        *,
        ask_store: bool,
    ) -> web.Response:
        """Handle the message and answer with its replies, the page's labels and whether a
        conversation with staff is live (the page then offers the upload); `shown` is the
        resident's bubble as the page keeps it.

        Whether staff are answering comes from the handler that knows (its hint: asking for
        a person, writing to staff, ending it). A message no such handler saw leaves it out,
        and the page keeps what it knew, so a chat message costs no extra read; an upload
        (`ask_store`), rare, asks the store when no handler said."""
        outcome = await self.dispatcher.handle(incoming)
        with use_locale(outcome.locale):
            ui = page_strings()
        replies = [reply_json(r) for r in outcome.replies]
        if not caller.trusted:  # an integration keeps its own transcript
            await self._remember(
                caller.external_id, outcome.locale, shown, incoming.payload, replies
            )
        answer: dict[str, object] = {"locale": outcome.locale, "replies": replies, "ui": ui}
        live = outcome.hints.get(STAFF_ANSWERING)
        if live is None and ask_store:
            live = await self.services.handoff.is_live(incoming.user)
        if isinstance(live, bool):
            answer["handoff"] = live
        response = web.json_response(
            answer,
            dumps=lambda obj: json.dumps(obj, ensure_ascii=False),
        )
        self.identities.remember(request, response, caller)
        return response

    async def _remember(
        self,
        external_id: str,
        locale: str,
        shown: str | None,
        payload: str | None,
        replies: list[dict[str, Any]],
    ) -> None:
        """Keep the exchange for the page to show after a reload; nothing once the session has
        ended (/privacy's deletion ends it, and this exchange must not outlive it)."""
        if not await self.sessions.count_for(external_id):
            return
        if payload is not None:
            shown = await self.history.label_of(external_id, payload)
        bubbles = [Bubble("user", {"text": shown})] if shown else []
        bubbles += [Bubble("bot", reply) for reply in replies]
        await self.history.add(external_id, locale, bubbles)

    async def past(self, request: web.Request) -> web.Response:
        """The browser session's kept conversation (nothing for a trusted integration)."""
        try:
            self.identities.refuse_cross_site(request)
            if "user" in request.query:
                raise self.identities.refuse_named_user()
            user = await self.identities.session_user(request)
            if user is None:
                raise Refused(401, N_("No chat session: reload the page to start one."))
        except Refused as exc:
            return api_error(request, exc.status, exc.message)
        entries = await self.history.recent(user)
        locale = next(
            (e.locale for e in reversed(entries) if e.locale),
            accept_language_locale(
                request.headers.get("Accept-Language"), self.services.settings.default_locale
            ),
        )
        messages = [{"role": e.role, **e.body} for e in entries]
        with use_locale(locale):
            ui = page_strings()
        live = await self.services.handoff.is_live(UserRef("web", user))
        return web.json_response(
            {"locale": locale, "messages": messages, "ui": ui, "handoff": live},
            dumps=lambda obj: json.dumps(obj, ensure_ascii=False),
        )

    async def inbox(self, request: web.Request) -> web.Response:
        try:
            trusted = self.identities.trusted(request)
            if trusted:
                user = self.identities.named_user(request.query.get("user"))
            elif "user" in request.query:
                raise self.identities.refuse_named_user()
            else:
                self.identities.refuse_cross_site(request)
                session_user = await self.identities.session_user(request)
                if session_user is None:
                    raise Refused(401, N_("No chat session: reload the page to start one."))
                user = session_user
        except Refused as exc:
            return api_error(request, exc.status, exc.message)
        locale, replies = await fetch_inbox(
            self.services.inbox, user, self.services.settings.default_locale
        )
        answer: dict[str, Any] = {"locale": locale, "replies": replies}
        if replies:
            # A conversation with staff ends with a notice here: then the page learns it.
            answer["handoff"] = await self.services.handoff.is_live(UserRef("web", user))
            if not trusted:
                await self.history.add(user, locale, [Bubble("bot", r) for r in replies])
        return web.json_response(answer, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))

    async def _prune_forever(self) -> None:
        while True:
            await asyncio.sleep(PRUNE_EVERY)
            try:
                await self.sessions.prune()
                await self.history.prune()  # sessions that ended take their history along
                await self.counters.prune()
            except Exception:
                log.exception("pruning web chat sessions and rate counters failed")


def too_many(request: web.Request, wait: float) -> web.Response:
    response = api_error(
        request, 429, N_("Too many messages in a short time. Please wait a moment.")
    )
    response.headers["Retry-After"] = str(math.ceil(wait))
    return response


def webchat_channel(dispatcher: Dispatcher) -> WebChatChannel:
    """Always on: the page needs no configuration."""
    return WebChatChannel(dispatcher)
