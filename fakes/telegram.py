"""A fake Bot API server on 127.0.0.1 that holds python-telegram-bot to Telegram's rules.

It speaks the methods Linzhu uses, the way PTB calls them: POST /bot<token>/<method>,
form-encoded (multipart when a file is sent), non-string fields JSON-encoded. It records
every call and enforces what Telegram enforces: flood control (429 with retry_after) per
chat, per group and overall; 403 for users who blocked the bot; 400 for text over 4,096
characters, broken HTML, callback data over 64 bytes, bad command lists; 409 for
getUpdates while a webhook is set; "message is not modified" on a no-op edit.

Limits are configurable so tests can run a burst at 10/s per chat instead of Telegram's 1/s.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token-for-the-fake-bot-api"
# Telegram's limit on files a bot may download (getFile).
BOT_DOWNLOAD_LIMIT = 20 * 1024 * 1024
BOT_USER = {
    "id": 123456,
    "is_bot": True,
    "first_name": "Linzhu",
    "username": "LinzhuTestBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
# Fields PTB sends as plain strings; every other field is JSON-encoded.
STRING_FIELDS = {
    "text",
    "caption",
    "parse_mode",
    "callback_query_id",
    "url",
    "secret_token",
    "language_code",
    "filename",
    "ip_address",
}
SEND_METHODS = {"sendMessage", "sendDocument", "editMessageText"}
ALLOWED_TAGS = re.compile(
    r"</?(b|strong|i|em|u|ins|s|strike|del|code|pre|tg-spoiler|blockquote)>"
    r'|<a href="[^"]*">|</a>|<span class="tg-spoiler">|</span>'
)
BAD_AMP = re.compile(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
COMMAND = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]]
    content_type: str
    at: float
    status: int = 200


@dataclass
class Sent:
    """A message the bot has in a chat (as Telegram would show it)."""

    chat_id: int
    message_id: int
    text: str | None  # visible text (HTML parsed)
    html: str | None
    markup: dict[str, Any] | None
    document: tuple[str, bytes] | None = None
    edits: int = 0


@dataclass
class FloodWindow:
    limit: int
    period: float
    times: deque[float] = field(default_factory=deque)

    def check(self, now: float) -> int | None:
        """Seconds to wait when one more message now would break the limit, else None."""
        while self.times and self.times[0] <= now - self.period:
            self.times.popleft()
        if len(self.times) >= self.limit:
            return max(1, math.ceil(self.times[0] + self.period - now))
        return None


class FakeTelegram:
    def __init__(
        self,
        *,
        token: str = TOKEN,
        per_chat: int = 1,
        per_chat_period: float = 1.0,
        overall: int = 30,
        per_group_minute: int = 20,
    ) -> None:
        self.token = token
        self.per_chat, self.per_chat_period = per_chat, per_chat_period
        self.overall = overall
        self.per_group_minute = per_group_minute
        self.calls: list[Call] = []
        self.blocked: set[int] = set()
        self.messages: dict[tuple[int, int], Sent] = {}
        self.chat_log: dict[int, list[Sent]] = defaultdict(list)
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook: dict[str, Any] | None = None
        # What getWebhookInfo reports as the last delivery error (Telegram's own wording).
        self.webhook_error: str | None = None
        self.pending: list[dict[str, Any]] = []
        self.open_queries: set[str] = set()
        self.answered: list[str] = []
        self.too_many: int = 0  # 429s given
        self._new_updates = asyncio.Event()
        self._chat_windows: dict[int, FloodWindow] = {}
        self._group_windows: dict[int, FloodWindow] = {}
        self._overall = FloodWindow(overall, 1.0)
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(10_000)
        self._query_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""
        # Files residents sent: file_id → (file_path, bytes); getFile and the download.
        self.files: dict[str, tuple[str, bytes]] = {}
        self._file_ids = itertools.count(1)

    # --- server ----------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        self._new_updates.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await self._read(request)
        call = Call(method, params, files, request.content_type, time.monotonic())
        self.calls.append(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            handler: Callable[..., Any] | None = getattr(self, f"api_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            if method in SEND_METHODS:
                self._flood_control(int(params.get("chat_id", 0)))
            result = await handler(params, files)
        except ApiError as exc:
            call.status = exc.code
            body: dict[str, Any] = {
                "ok": False,
                "error_code": exc.code,
                "description": exc.description,
            }
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            return web.json_response(body, status=exc.code)
        return web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        """The file download (https://api.telegram.org/file/bot<token>/<file_path>)."""
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401}, status=401)
        path = request.match_info["path"]
        for file_path, data in self.files.values():
            if file_path == path:
                self.calls.append(Call("download", {"path": path}, {}, "", time.monotonic()))
                return web.Response(body=data, content_type="application/octet-stream")
        return web.json_response({"ok": False, "error_code": 404}, status=404)

    @staticmethod
    async def _read(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
        params: dict[str, Any] = {}
        files: dict[str, tuple[str, bytes]] = {}
        if request.content_type == "application/json":
            raw = await request.json()
            return (raw if isinstance(raw, dict) else {}), files
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = (value.filename, value.file.read())
            elif key in STRING_FIELDS:
                params[key] = str(value)
            else:
                try:
                    params[key] = json.loads(str(value))
                except ValueError:
                    params[key] = str(value)
        return params, files

    def _flood_control(self, chat_id: int) -> None:
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        now = time.monotonic()
        windows = [
            self._chat_windows.setdefault(chat_id, FloodWindow(self.per_chat, self.per_chat_period))
        ]
        if chat_id < 0:
            windows.append(
                self._group_windows.setdefault(chat_id, FloodWindow(self.per_group_minute, 60.0))
            )
        windows.append(self._overall)
        for window in windows:
            wait = window.check(now)
            if wait is not None:
                self.too_many += 1
                raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        # Counted only when accepted; the request could still fail validation (400),
        # which Telegram also counts, so this is the lenient reading.
        for window in windows:
            window.times.append(now)

    # --- methods ---------------------------------------------------------------------

    async def api_getMe(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return BOT_USER

    async def api_getUpdates(self, params: dict[str, Any], files: Any) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        if offset:
            self.pending = [u for u in self.pending if u.get("update_id", offset) >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self.pending and timeout > 0:
            self._new_updates.clear()
            try:
                async with asyncio.timeout(timeout):
                    await self._new_updates.wait()
            except TimeoutError:
                pass
        return self.pending[: int(params.get("limit") or 100)]

    async def api_setWebhook(self, params: dict[str, Any], files: Any) -> bool:
        url = params.get("url", "")
        if not url.startswith("https://"):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_\-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = params
        if params.get("drop_pending_updates"):
            self.pending.clear()
        return True

    async def api_getWebhookInfo(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        """Like Telegram: the URL and counts, never the secret token."""
        info: dict[str, Any] = {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self.webhook is not None and self.webhook_error:
            info["last_error_date"] = 1_700_000_000
            info["last_error_message"] = self.webhook_error
        return info

    async def api_deleteWebhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self.pending.clear()
        return True

    async def api_setMyCommands(self, params: dict[str, Any], files: Any) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100")
        for command in commands:
            if not COMMAND.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        code = params.get("language_code", "")
        if code and not re.fullmatch(r"[a-z]{2}", code):
            raise ApiError(400, "Bad Request: LANG_CODE_INVALID")
        self.commands[code] = commands
        return True

    async def api_getFile(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        """Like Telegram: bots may download files up to 20 MB; bigger ones fail here."""
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        if len(data) > BOT_DOWNLOAD_LIMIT:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(data),
            "file_path": path,
        }

    async def api_sendMessage(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text = self._visible_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        sent = Sent(chat_id, next(self._ids), text, params.get("text"), markup)
        self._keep(sent)
        return self._message_json(sent)

    async def api_sendDocument(
        self, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        if "document" not in files:
            raise ApiError(400, "Bad Request: there is no document in the request")
        markup = self._check_markup(params.get("reply_markup"))
        sent = Sent(chat_id, next(self._ids), None, None, markup, document=files["document"])
        self._keep(sent)
        return self._message_json(sent)

    async def api_editMessageText(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        sent = self.messages.get(key)
        if sent is None or sent.text is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        text = self._visible_text(params)
        markup = self._check_markup(params.get("reply_markup"))
        if text == sent.text and params.get("text") == sent.html and markup == sent.markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup "
                "of the message",
            )
        sent.text, sent.html, sent.markup = text, params.get("text"), markup
        sent.edits += 1
        return self._message_json(sent)

    async def api_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> bool:
        query_id = params.get("callback_query_id", "")
        if query_id not in self.open_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.open_queries.discard(query_id)
        self.answered.append(query_id)
        return True

    # --- rules -----------------------------------------------------------------------

    @staticmethod
    def _visible_text(params: dict[str, Any]) -> str:
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        text = raw
        if params.get("parse_mode") == "HTML":
            text = FakeTelegram._parse_html(raw)
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    @staticmethod
    def _parse_html(raw: str) -> str:
        visible: list[str] = []
        stack: list[str] = []
        for token in re.split(r"(<[^<>]*>)", raw):
            if token.startswith("<") and token.endswith(">"):
                if not ALLOWED_TAGS.fullmatch(token):
                    raise ApiError(400, f"Bad Request: can't parse entities: unsupported {token}")
                name = re.match(r"</?([a-z-]+)", token)
                assert name is not None
                if token.startswith("</"):
                    if not stack or stack.pop() != name.group(1):
                        raise ApiError(400, f"Bad Request: can't parse entities: {token}")
                else:
                    stack.append(name.group(1))
                continue
            if "<" in token or ">" in token or BAD_AMP.search(token):
                raise ApiError(400, "Bad Request: can't parse entities: unescaped character")
            visible.append(unescape(token))
        if stack:
            raise ApiError(400, f"Bad Request: can't parse entities: unclosed <{stack[-1]}>")
        return "".join(visible)

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(400, "Bad Request: text buttons are unallowed")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return dict(markup)

    def _keep(self, sent: Sent) -> None:
        self.messages[(sent.chat_id, sent.message_id)] = sent
        self.chat_log[sent.chat_id].append(sent)

    def _message_json(self, sent: Sent) -> dict[str, Any]:
        chat_type = "private" if sent.chat_id > 0 else "group"
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(time.time()),
            "chat": {"id": sent.chat_id, "type": chat_type},
            "from": BOT_USER,
        }
        if sent.text is not None:
            message["text"] = sent.text
        if sent.document is not None:
            message["document"] = {
                "file_id": f"doc{sent.message_id}",
                "file_unique_id": f"u{sent.message_id}",
                "file_name": sent.document[0],
                "file_size": len(sent.document[1]),
            }
        if sent.markup is not None:
            message["reply_markup"] = sent.markup
        return message

    # --- what residents do (test helpers) ----------------------------------------------

    def message_update(
        self,
        user_id: int,
        text: str,
        *,
        language_code: str | None = "en",
        chat_id: int | None = None,
        reply_to: Sent | None = None,
    ) -> dict[str, Any]:
        """An update as Telegram sends it when a user writes `text` (commands get an entity);
        `reply_to`: the bot's message it answers (a quoted reply)."""
        chat = chat_id if chat_id is not None else user_id
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private" if chat > 0 else "group"},
            "from": _user(user_id, language_code),
            "text": text,
        }
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(reply_to)
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def add_file(self, data: bytes, path: str) -> str:
        """Keep a file as if a user had uploaded it; its file_id."""
        file_id = f"F{next(self._file_ids)}-{len(data)}"
        self.files[file_id] = (path, data)
        return file_id

    def photo_update(
        self,
        user_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """A user sends a photo: Telegram lists several sizes, the largest last."""
        big = self.add_file(data, f"photos/file_{len(self.files)}.jpg")
        small = self.add_file(data[:64], f"photos/file_{len(self.files)}_s.jpg")
        sizes = [
            {
                "file_id": small,
                "file_unique_id": f"u{small}",
                "width": 90,
                "height": 67,
                "file_size": min(64, len(data)),
            },
            {
                "file_id": big,
                "file_unique_id": f"u{big}",
                "width": 1280,
                "height": 960,
                "file_size": len(data),
            },
        ]
        return self._media_update(user_id, {"photo": sizes}, caption, language_code)

    def document_update(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str,
        *,
        caption: str | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """A user sends a file (Telegram announces the size; over 20 MB bots cannot get it)."""
        file_id = self.add_file(data, f"documents/file_{len(self.files)}")
        document = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(data),
        }
        return self._media_update(user_id, {"document": document}, caption, language_code)

    def _media_update(
        self,
        user_id: int,
        media: dict[str, Any],
        caption: str | None,
        language_code: str | None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": _user(user_id, language_code),
            **media,
        }
        if caption is not None:
            message["caption"] = caption
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(
        self, user_id: int, sent: Sent, data: str, *, language_code: str | None = "en"
    ) -> dict[str, Any]:
        """An update for a tap on a button of the bot's message `sent`."""
        query_id = f"q{next(self._query_ids)}"
        self.open_queries.add(query_id)
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": query_id,
                "from": _user(user_id, language_code),
                "message": self._message_json(sent),
                "chat_instance": f"ci{sent.chat_id}",
                "data": data,
            },
        }

    def push(self, *updates: dict[str, Any]) -> None:
        """Queue updates for getUpdates (polling mode)."""
        self.pending.extend(updates)
        self._new_updates.set()

    def next_update_id(self) -> int:
        return next(self._update_ids)

    # --- what tests look at ------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def texts(self, chat_id: int) -> list[str]:
        return [s.text for s in self.chat_log[chat_id] if s.text is not None]

    def last(self, chat_id: int) -> Sent:
        return self.chat_log[chat_id][-1]

    async def wait_until(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {within} s")
            await asyncio.sleep(0.01)


def _user(user_id: int, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
    if language_code:
        user["language_code"] = language_code
    return user


def buttons(sent: Sent) -> list[tuple[str, str]]:
    """(label, callback data) of every button of a message."""
    rows = (sent.markup or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]
