"""GET/POST /wechat: server verification and messages, answered within WeChat's 5 seconds.

The dispatcher runs as a task. If it finishes within WECHAT_REPLY_BUDGET_SECONDS the
first text is the passive reply and the rest follow through the customer-service API,
in order; otherwise WeChat gets "success" at once and everything goes through customer
service when the task is done. See ledger.py for retries of one message.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from typing import Any

from aiohttp import web
from wechatpy import events, messages, parse_message
from wechatpy.messages import BaseMessage

from bot.channels.wechat.api import WeChatApi
from bot.channels.wechat.envelope import MAX_XML_BYTES, Envelope, Opened, Rejected
from bot.channels.wechat.ledger import MessageLedger
from bot.channels.wechat.media import WeChatFetcher
from bot.channels.wechat.render import MAX_TEXT_BYTES, passive_xml, render_texts
from bot.channels.wechat.replay import ReplayGuard
from bot.channels.wechat.sender import WINDOW, WeChatSender
from bot.core.channel import Capabilities
from bot.core.dispatcher import Dispatcher
from bot.core.locks import KeyedLocks
from bot.core.observe import DEADLINE_MISS, REPLY_SEND, send_outcome, signals
from bot.core.types import Incoming, MediaRef, UserRef
from bot.i18n import use_locale

log = logging.getLogger(__name__)

SUCCESS = "success"  # WeChat's "received, nothing to say now"
OPENID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
NUMBER = re.compile(r"[0-9]{1,20}")  # MsgId is a 64-bit number, CreateTime in seconds
UNSUBSCRIBE = "unsubscribe"


class WeChatChannel:
    """The component `linzhu serve` runs when WECHAT_TOKEN is set."""

    name = "wechat"
    # No buttons in a passive reply: choices become "reply 1, 2, 3"; texts of 2,048 bytes.
    capabilities = Capabilities(
        buttons="numbered",
        max_text_bytes=MAX_TEXT_BYTES,
        attachments=False,
        push=True,
        reply_window=WINDOW,
    )

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        services = dispatcher.services
        settings = services.settings
        assert settings.wechat_token
        self.envelope = Envelope(
            settings.wechat_token,
            app_id=settings.wechat_app_id,
            aes_key=settings.wechat_encoding_aes_key,
            window_seconds=settings.wechat_timestamp_window_seconds,
            compat_mode=settings.wechat_compat_mode,
        )
        self.replays = ReplayGuard(services.db, settings.wechat_timestamp_window_seconds)
        self.budget = settings.wechat_reply_budget_seconds
        has_api = settings.wechat_app_id and settings.wechat_app_secret
        self.api = WeChatApi(settings, services.db) if has_api else None
        self.sender = WeChatSender(settings, services.db, self.api)
        self.fetcher = WeChatFetcher(self.api) if self.api is not None else None
        self.ledger = MessageLedger(services.db, services.dedupe)
        self._cs_order = KeyedLocks()  # one user's customer-service messages go out in order
        self._tasks: set[asyncio.Task[Any]] = set()
        self._pruner: asyncio.Task[None] | None = None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/wechat", self.verify_server)
        app.router.add_post("/wechat", self.receive)

    async def start(self) -> None:
        if self.api is None:
            log.warning("WECHAT_APP_ID/WECHAT_APP_SECRET not set: passive replies only")
        self._pruner = asyncio.create_task(self._prune_forever())

    async def stop(self) -> None:
        if self._pruner:
            self._pruner.cancel()
        await self.drain(10)
        if self.api:
            await self.api.close()

    async def drain(self, seconds: float = 10) -> None:
        """Wait for background deliveries (tests, and shutdown)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self._tasks and loop.time() < deadline:
            await asyncio.wait(set(self._tasks), timeout=deadline - loop.time())

    async def verify_server(self, request: web.Request) -> web.Response:
        """The check WeChat makes when the server URL is saved: echo `echostr` if signed."""
        try:
            self.envelope.verify(request.query)
        except Rejected as exc:
            log.warning("WeChat verification refused: %s", exc.reason)
            return web.Response(status=exc.status, text="forbidden")
        return web.Response(text=request.query.get("echostr", ""))

    async def receive(self, request: web.Request) -> web.StreamResponse:
        started = asyncio.get_running_loop().time()
        try:
            if (request.content_length or 0) > MAX_XML_BYTES:
                raise Rejected(413, "body over 64 KB")
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge as exc:
                raise Rejected(413, "body over the server's limit") from exc
            opened = self.envelope.open(body, request.query)
            message = _parse(opened)
            if not await self.replays.first_use(request.query, opened.xml):
                raise Rejected(403, "signed query string replayed with another message")
        except Rejected as exc:
            log.warning("WeChat request refused (%d): %s", exc.status, exc.reason)
            return web.Response(status=exc.status, text="refused")
        incoming = to_incoming(message)
        if incoming is None:
            return _success()
        if incoming == UNSUBSCRIBE:
            await self.dispatcher.services.users.deactivate(
                UserRef("wechat", message.source), "unsubscribed"
            )
            return _success()
        assert isinstance(incoming, Incoming)
        key = dedupe_key(message)
        # Claiming touches the database too, so it runs inside the budget: a busy
        # database must not keep WeChat waiting past its 5 seconds either.
        task = asyncio.create_task(self._process(incoming, key))
        remaining = self.budget - (asyncio.get_running_loop().time() - started)
        done, _ = await asyncio.wait({task}, timeout=max(0.0, remaining))
        if not done:
            signals.emit(DEADLINE_MISS, channel="wechat")
            self._spawn(self._finish_later(task, key, incoming.user))
            return _success()
        texts = task.result()
        if not texts:
            return _success()
        xml = self.envelope.seal(passive_xml(texts[0], message), opened)
        response = web.Response(text=xml, content_type="application/xml")
        # The passive reply goes on its way first; the bookkeeping and the rest follow.
        await response.prepare(request)
        await response.write_eof()
        self._spawn(self._after_passive(key, incoming.user, texts))
        return response

    async def _after_passive(self, key: str, user: UserRef, texts: list[str]) -> None:
        lost = await self.ledger.passive_sent(key, texts[:1])
        rest = (lost or []) + texts[1:]
        if rest:
            await self._deliver(user, rest)

    async def _process(self, incoming: Incoming, key: str) -> list[str]:
        """The texts to answer with; none for a repeated attempt (see ledger.py)."""
        if await self.ledger.claim(key):
            return await self._answer(incoming)
        lost = await self.ledger.retried(key)
        if lost:
            self._spawn(self._deliver(incoming.user, lost))
        return []

    async def _answer(self, incoming: Incoming) -> list[str]:
        try:
            outcome = await self.dispatcher.handle(incoming)
        except Exception:
            log.exception("dispatcher failed for %s", incoming.user)
            return []
        with use_locale(outcome.locale):
            return render_texts(outcome.replies)

    async def _finish_later(self, task: asyncio.Task[list[str]], key: str, user: UserRef) -> None:
        texts = await task
        if texts:
            await self.ledger.delivering(key)
            await self._deliver(user, texts)

    async def _deliver(self, user: UserRef, texts: list[str]) -> None:
        async with self._cs_order.hold(str(user)):
            result = await self.sender.deliver(user, texts)
        outcome = send_outcome(result.status, result.retry_after)
        signals.emit(REPLY_SEND, channel=user.channel, kind="bot", result=outcome)
        if result.status != "sent":
            log.warning("reply to %s not delivered: %s", user, result.reason)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _prune_forever(self) -> None:
        while True:
            await asyncio.sleep(3600)
            try:
                await self.ledger.prune()
                await self.replays.prune()
                await self.dispatcher.services.dedupe.forget_before()
            except Exception:
                log.exception("pruning WeChat bookkeeping failed")


def _success() -> web.Response:
    return web.Response(text=SUCCESS)


def _parse(opened: Opened) -> BaseMessage:
    """The message, after checking the fields used as keys (openid, MsgId, CreateTime)."""
    fields = opened.fields
    if not fields.get("MsgType") or not fields.get("FromUserName"):
        raise Rejected(400, "message without MsgType or FromUserName")
    if not OPENID.fullmatch(fields["FromUserName"]):
        raise Rejected(400, "FromUserName is not an openid")
    if not NUMBER.fullmatch(fields.get("CreateTime", "")):
        raise Rejected(400, "CreateTime missing or not a number")
    # Messages are de-duplicated by MsgId; without a usable one they would all be one.
    if fields["MsgType"] != "event" and not NUMBER.fullmatch(fields.get("MsgId", "")):
        raise Rejected(400, "MsgId missing or not a number")
    try:
        return parse_message(opened.xml)
    except Exception as exc:
        raise Rejected(400, f"unparseable message: {exc!r}") from exc


def dedupe_key(message: BaseMessage) -> str:
    """MsgId for messages; FromUserName + CreateTime for events, which have none.

    The event and its key are added because one person can subscribe and tap a menu
    within one second; a retry repeats all of them.
    """
    if message.id:
        return f"msg:{message.id}"
    event = getattr(message, "event", "")
    key = getattr(message, "key", "") or ""
    return f"evt:{message.source}:{message.time}:{event}:{key}"[:160]


def to_incoming(message: BaseMessage) -> Incoming | str | None:
    """The channel-neutral message; UNSUBSCRIBE; or None for what needs no answer."""
    user = UserRef("wechat", str(message.source))

    def make(**kwargs: Any) -> Incoming:
        return Incoming(user=user, chat_id=user.external_id, **kwargs)

    if isinstance(message, messages.TextMessage):
        return make(text=message.content or "")
    if isinstance(message, messages.VoiceMessage):
        # Without WeChat's speech recognition there is no text: ask them to type.
        return make(text=message.recognition or "")
    if isinstance(message, events.SubscribeEvent | events.SubscribeScanEvent):
        return make(text="/start")
    if isinstance(message, events.UnsubscribeEvent):
        return UNSUBSCRIBE
    if isinstance(message, events.ClickEvent):
        key = str(message.key or "").strip()
        if not key:
            return None
        # A key with a colon is a button payload (menu:ask); a plain word is a command.
        return make(payload=key) if ":" in key else make(text=f"/{key}")
    if isinstance(message, events.BaseEvent):
        return None  # menu links, location reports, template receipts: nothing to say
    if isinstance(message, messages.ImageMessage) and message.media_id:
        # Kept for staff in a live conversation (fetched then); otherwise "please type".
        return make(text="", media=MediaRef("photo", str(message.media_id)))
    # Images, locations, links, video, unknown types: the dispatcher asks for text.
    return make(text="")
