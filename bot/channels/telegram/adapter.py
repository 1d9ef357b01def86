"""The Telegram channel: updates in (webhook or polling), replies out, within the limits.

python-telegram-bot is used at the edge only: an `Application` built with `.updater(None)`
parses and queues updates and owns the HTTP client; our aiohttp app serves the webhook
route, and in polling mode our own getUpdates loop feeds the same queue (so a malformed
update is skipped and acknowledged instead of being fetched again forever). The
application's single handler only sorts each update into its user's lane; the work —
dedupe, the dispatcher, sending — runs in the lanes, one user at a time per user and many
users at once.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import warnings
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import Conflict, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler
from telegram.warnings import PTBUserWarning

from bot.channels.telegram.commands import set_commands
from bot.channels.telegram.lanes import Lanes
from bot.channels.telegram.media import TelegramFetcher
from bot.channels.telegram.ratelimit import Limits, limiter_for
from bot.channels.telegram.render import MAX_TEXT
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.updates import CHANNEL, Blocked, Ignored, Inbound, classify
from bot.config import Settings
from bot.core.channel import Capabilities
from bot.core.dispatcher import Dispatcher
from bot.core.observe import REPLY_SEND, send_outcome, signals

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def build_application(settings: Settings) -> TelegramApp:
    """PTB's Application against TELEGRAM_API_URL, without its Updater (we feed it)."""
    assert settings.telegram_bot_token is not None
    api = settings.telegram_api_url
    return (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .updater(None)
        .job_queue(None)
        # Many users tapping at once: wait for a pooled connection rather than fail at 1 s.
        .pool_timeout(30)
        .build()
    )


class TelegramChannel:
    name = "telegram"
    capabilities = Capabilities(buttons="inline", max_text_chars=MAX_TEXT, attachments=True)

    def __init__(self, dispatcher: Dispatcher, settings: Settings) -> None:
        self.dispatcher = dispatcher
        self.settings = settings
        self.services = dispatcher.services
        self.application = build_application(settings)
        self.limiter = limiter_for(
            dispatcher.services.db,
            Limits(
                per_second_global=settings.telegram_rate_global,
                per_second_chat=settings.telegram_rate_chat,
                per_minute_group=settings.telegram_rate_group,
            ),
        )
        self.sender = TelegramSender(
            self.application.bot,
            self.limiter,
            self.services.users,
            max_retries=settings.telegram_max_retries,
        )
        self.fetcher = TelegramFetcher(self.application.bot)
        self.lanes: Lanes[Inbound | Blocked] = Lanes(self._process)
        # Updates of different users handled at once (TELEGRAM_CONCURRENCY); the dispatcher
        # itself also caps messages in flight to what the database pool can serve.
        self._handling = asyncio.Semaphore(
            settings.telegram_concurrency or settings.database_pool_size
        )
        self._poller: asyncio.Task[None] | None = None
        self._side_tasks: set[asyncio.Task[None]] = set()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)

    # --- Component -------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        if self.settings.telegram_mode == "webhook":
            app.router.add_post(self.settings.telegram_webhook_path, self.webhook)

    async def start(self) -> None:
        try:
            await self.application.initialize()  # getMe: a wrong token stops start-up here
        except TelegramError as exc:
            log.error(
                "telegram: cannot start — %s (check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL=%s)",
                exc,
                self.settings.telegram_api_url,
            )
            raise
        await self.application.start()
        if self.settings.telegram_set_commands:
            try:
                await set_commands(
                    self.application.bot,
                    self.settings.default_locale,
                    available=self.dispatcher.routes.commands.keys(),
                )
            except TelegramError as exc:
                log.warning("could not set the Telegram command menu: %s", exc)
        if self.settings.telegram_mode == "polling":
            self._poller = asyncio.create_task(self._poll(), name="telegram polling")
        log.info(
            "telegram: @%s in %s mode", self.application.bot.username, self.settings.telegram_mode
        )

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        if self.application.running:
            await self.application.stop()  # handles what is queued, then takes no more
        if not await self.lanes.join(within=30):
            log.warning("telegram: stopping with %d users' updates unfinished", self.lanes.busy)
            await self.lanes.cancel()
        await asyncio.gather(*self._side_tasks, return_exceptions=True)
        await self.application.shutdown()

    # --- Updates in ------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        """Telegram's POST: verify the secret, queue the update, answer at once."""
        secret = self.settings.telegram_webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if secret is None or not hmac.compare_digest(
            given.encode(), secret.get_secret_value().encode()
        ):
            log.warning("telegram webhook: wrong or missing secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError, RecursionError):
            # Acknowledged all the same: Telegram would otherwise resend it forever.
            log.warning("telegram webhook: body is not JSON; acknowledged and dropped")
            return web.Response(text="ok")
        await self.receive(data)
        return web.Response(text="ok")

    async def receive(self, data: object) -> bool:
        """One raw update (webhook body or getUpdates item) into the application's queue."""
        try:
            if not isinstance(data, dict):
                raise TypeError(f"an update must be a JSON object, not {type(data).__name__}")
            update = Update.de_json(data, self.application.bot)
            if type(update.update_id) is not int:
                raise TypeError("update_id is not an integer")
        except Exception as exc:
            log.warning("telegram: malformed update dropped (%s): %.300r", exc, data)
            return False
        await self.application.update_queue.put(update)
        return True

    async def _on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The application's one handler: sort the update into its user's lane, quickly."""
        if not isinstance(update, Update):
            return
        try:
            item = classify(update)
        except Exception:
            log.exception("telegram: could not read update %s", getattr(update, "update_id", "?"))
            return
        if isinstance(item, Ignored):
            log.debug("telegram: update %d ignored: %s", item.update_id, item.why)
            return
        if isinstance(item, Inbound) and item.callback_query_id is not None:
            # Stop the button's spinner now, not after the user's earlier messages.
            self._spawn(self._answer(item.callback_query_id))
        key = str(item.incoming.user if isinstance(item, Inbound) else item.user)
        self.lanes.put(key, item)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: error while handling an update", exc_info=context.error)

    async def _poll(self) -> None:
        """Long-poll getUpdates; each item is parsed on its own and always acknowledged."""
        # getUpdates and a webhook exclude each other; polling mode means no webhook.
        warnings.filterwarnings("ignore", message=r".*getUpdates.*", category=PTBUserWarning)
        bot = self.application.bot
        offset: int | None = None
        backoff = 1.0
        webhook_deleted = False
        while True:
            try:
                if not webhook_deleted:
                    await bot.delete_webhook()
                    webhook_deleted = True
                # Raw JSON rather than bot.get_updates(), which fails the whole batch (and
                # fetches it again, forever) when one update does not parse.
                items = await bot.do_api_request(
                    "getUpdates",
                    api_kwargs={
                        "offset": offset,
                        "timeout": self.settings.telegram_poll_timeout,
                        "allowed_updates": ALLOWED_UPDATES,
                    },
                    read_timeout=self.settings.telegram_poll_timeout + 10,
                )
            except asyncio.CancelledError:
                raise
            except Conflict as exc:
                log.error("telegram: getUpdates conflict (%s); is another worker polling?", exc)
                webhook_deleted = False
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            except TelegramError as exc:
                log.warning("telegram: getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            for item in items if isinstance(items, list) else []:
                update_id = item.get("update_id") if isinstance(item, dict) else None
                if isinstance(update_id, int):
                    offset = max(offset or 0, update_id + 1)
                await self.receive(item)

    # --- Work in the lanes -----------------------------------------------------------

    async def _process(self, item: Inbound | Blocked) -> None:
        if not await self.services.dedupe.first_time(CHANNEL, str(item.update_id)):
            log.info("telegram: update %d already handled; skipped", item.update_id)
            return
        if isinstance(item, Blocked):
            await self.services.users.deactivate(item.user, "blocked the bot")
            log.info("telegram: %s blocked the bot; marked inactive", item.user)
            return
        async with self._handling:
            outcome = await self.dispatcher.handle(item.incoming)
        result = await self.sender.deliver(
            item.chat_id, outcome.replies, edit_message_id=item.tapped_message_id
        )
        signals.emit(
            REPLY_SEND,
            channel=CHANNEL,
            kind="bot",
            result=send_outcome(result.status, result.retry_after),
        )
        if result.status != "sent":
            log.warning(
                "telegram: replies to update %d not delivered: %s %s",
                item.update_id,
                result.status,
                result.reason,
            )

    async def _answer(self, query_id: str) -> None:
        try:
            await self.application.bot.answer_callback_query(query_id)
        except TelegramError as exc:  # too old, or already answered: nothing to do
            log.debug("telegram: answerCallbackQuery %s failed: %s", query_id, exc)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)


def telegram_component(dispatcher: Dispatcher) -> TelegramChannel | None:
    """The runtime factory: a channel when TELEGRAM_BOT_TOKEN is set, else None."""
    settings = dispatcher.services.settings
    if settings.telegram_bot_token is None:
        return None
    return TelegramChannel(dispatcher, settings)
