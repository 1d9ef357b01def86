"""Logging set-up for every `linzhu` command: secrets redacted, tracebacks rationed.

Two `logging.Filter`s do the work and can be put on any handler (a JSON handler added
later needs `protect(handler, settings)` too):
- `RedactSecrets` rewrites each record so that no configured secret (bot token, webhook
  secret, WeChat token/AppSecret/AES key, the web chat's API token, database passwords) and
  no secret-shaped value (Telegram bot tokens, `access_token=…`, `Bearer …`, passwords in
  URLs, session cookies) survives — in the message, its arguments, the exception text and
  the stack. It renders the exception into `exc_text` itself and drops `exc_info`, so a
  formatter can only print the redacted text.
- `TracebackThrottle` lets one traceback per cause (logger, exception type, the line that
  raised) through per minute; repeats keep their one line. A flood of requests that hit the
  same bug cannot fill the disk.
LOG_FORMAT=json writes one JSON object per line (`JsonFormatter`) with the id of the message
being handled (`request_id`, bot/core/observe.py: set per web request and per message), so
one message's lines can be found across the pipeline; the filters above run first, so the
JSON carries only redacted text. Lines carry internal ids, never a resident's words.
httpx and httpcore are kept at WARNING: their INFO lines carry every request URL, and the
Bot API's URLs contain the bot token.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import traceback
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from bot.core.observe import request_id

if TYPE_CHECKING:
    from bot.config import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "[redacted]"
QUIET = ("httpx", "httpcore", "hpack")
# Secret-shaped values, whoever configured them (a test's token, a second bot, a new API).
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_\-]{20,}"), MASK),  # Telegram bot token (/bot<it>/)
    (
        re.compile(r"(?i)(access_token|secret|appsecret|password)(=|\"?\s*:\s*\"?)[^&\s\"',}]+"),
        rf"\1\2{MASK}",
    ),
    (re.compile(r"(?i)\b(Bearer\s+)[A-Za-z0-9._~+/=\-]+"), rf"\1{MASK}"),
    (re.compile(r"(?i)(linzhu_session=)[^;\s\"']+"), rf"\1{MASK}"),
    (
        re.compile(r"(?i)(X-Telegram-Bot-Api-Secret-Token['\"]?\s*[:=]\s*['\"]?)[^'\"\s,}]+"),
        rf"\1{MASK}",
    ),
    # scheme://user:password@, from the start of a word: unanchored, \w+ was tried from every
    # character of a long word and scanned to its end each time (50 ms for 4,000 digits)
    (re.compile(r"(?<!\w)(\w+://[^:/@\s]*:)[^@/\s]+@"), rf"\1{MASK}@"),
)
MIN_SECRET = 6  # shorter configured values would mask ordinary words


class RedactSecrets(logging.Filter):
    """Masks secrets in every record it sees; never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, unformatted
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and record.exc_info[0] is not None:
            rendered = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = rendered
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


class TracebackThrottle(logging.Filter):
    """At most one traceback per cause per `period` seconds; the log line always stays."""

    def __init__(self, period: float = 60.0) -> None:
        super().__init__()
        self.period = period
        self._shown: dict[tuple[str, str, str], float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[0] is None:
            return True
        cause = _cause(record)
        now = time.monotonic()
        if now - self._shown.get(cause, -self.period) < self.period:
            name = record.exc_info[0].__name__
            record.msg = f"{record.getMessage()} ({name}; traceback shown at most once a minute)"
            record.args, record.exc_info, record.exc_text = None, None, None
            return True
        if len(self._shown) > 1000:  # causes are few; this only bounds a pathological case
            self._shown.clear()
        self._shown[cause] = now
        return True


class RequestId(logging.Filter):
    """Puts the current message's id on each record (`request_id`, None outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, pid, and the
    (already redacted) traceback as `exc`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "pid": os.getpid(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def _cause(record: logging.LogRecord) -> tuple[str, str, str]:
    assert record.exc_info is not None
    exc_type, _exc, tb = record.exc_info
    where = ""
    while tb is not None:
        where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return record.name, getattr(exc_type, "__name__", "?"), where


def secrets_of(settings: Settings) -> list[str]:
    """Every configured secret, as the text that could end up in a log line."""
    values = [
        settings.telegram_bot_token,
        settings.telegram_webhook_secret,
        settings.wechat_app_secret,
        settings.webchat_api_token,
        settings.metrics_token,
    ]
    found = [v.get_secret_value() for v in values if v is not None]
    if settings.telegram_bot_token is not None:  # its part after the bot id, on its own too
        found.append(settings.telegram_bot_token.get_secret_value().split(":", 1)[-1])
    found += [v for v in (settings.wechat_token, settings.wechat_encoding_aes_key) if v]
    password = re.match(r"\w[\w+]*://[^:/@]*:([^@/]+)@", settings.database_url)
    if password:
        found.append(password.group(1))
    return found


def protect(handler: logging.Handler, settings: Settings | None = None) -> None:
    """Put the throttle and the redaction on a handler (once)."""
    if not any(isinstance(f, TracebackThrottle) for f in handler.filters):
        handler.addFilter(TracebackThrottle())
    if not any(isinstance(f, RequestId) for f in handler.filters):
        handler.addFilter(RequestId())
    for old in [f for f in handler.filters if isinstance(f, RedactSecrets)]:
        handler.removeFilter(old)
    # The throttle first: it looks at exc_info, which the redaction replaces by its text.
    handler.addFilter(RedactSecrets(secrets_of(settings) if settings is not None else ()))


def setup_logging(
    level: str, settings: Settings | None = None, *, stream: TextIO | None = None
) -> logging.Handler | None:
    """Log to `stream` (stderr) from the root logger; every root handler gets the filters.

    Like logging.basicConfig, the stream handler is only added when the root logger has no
    other handler (or a stream is given); handlers already there are protected as they are.
    Returns the stream handler, or None when none was added.
    """
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "linzhu", False)]:
        root.removeHandler(old)
    handler: logging.Handler | None = None
    if stream is not None or not root.handlers:
        handler = logging.StreamHandler(stream)
        handler.linzhu = True  # type: ignore[attr-defined]
        json_lines = settings is not None and settings.log_format == "json"
        handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    for each in root.handlers:
        protect(each, settings)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
