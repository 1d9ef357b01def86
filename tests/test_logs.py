"""No secret reaches a log line, at any level; tracebacks are rationed.

Finding 2 of the security review: the Telegram bot token was written to the log 25 times
in 5 minutes at INFO (httpx logs every request URL, and the Bot API's URLs contain it).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import hypothesis
import pytest
from pydantic import SecretStr
from telegram.error import NetworkError

from bot.channels.telegram.adapter import build_application
from bot.channels.telegram.ratelimit import Limits, RateLimiter
from bot.channels.telegram.sender import TelegramSender
from bot.config import Settings
from bot.core.types import Button, Reply, UserRef
from bot.logs import MASK, PATTERNS, RedactSecrets, TracebackThrottle, secrets_of, setup_logging
from bot.store.db import Database
from bot.store.users import UserStore
from fakes.telegram import TOKEN, FakeTelegram
from tests.channels.telegram.support import SECRET, telegram_settings

TOKEN_SECRET_PART = TOKEN.split(":", 1)[1]


@pytest.fixture
def clean_logging() -> Iterator[None]:
    """setup_logging changes the root logger: put it back for the other tests."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    filters = {h: list(h.filters) for h in handlers}
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "telegram")}
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for handler, kept in filters.items():
        handler.filters[:] = kept
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def everything_logged(stream: io.StringIO, caplog: pytest.LogCaptureFixture) -> str:
    """The stream handler's output and every captured record, formatted with tracebacks."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    return stream.getvalue() + "\n".join(formatter.format(r) for r in caplog.records)


async def send_through_the_fake(settings: Settings, db: Database, fake: FakeTelegram) -> None:
    application = build_application(telegram_settings(settings, fake))
    async with application.bot as bot:
        limiter = RateLimiter(Limits(per_second_global=100, per_second_chat=10))
        sender = TelegramSender(bot, limiter, UserStore(db), max_retries=1)
        fake.blocked.add(702)
        for chat in ("700", "701", "702"):
            await sender.send(
                UserRef("telegram", chat),
                [Reply.of("reminder", [Button("OK", "book:mine")])],
            )
        # A failure with the URL in its text, logged with its traceback.
        try:
            raise NetworkError(f"cannot reach {fake.url}/bot{TOKEN}/sendMessage")
        except NetworkError:
            logging.getLogger("bot.channels.telegram").exception("send failed")


@pytest.mark.usefixtures("clean_logging")
async def test_the_telegram_token_never_reaches_the_log_at_debug(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stream = io.StringIO()
    fake = FakeTelegram()
    await fake.start()
    setup_logging("DEBUG", telegram_settings(settings, fake), stream=stream)
    caplog.set_level(logging.DEBUG)  # the root logger at DEBUG, as an operator might set it
    try:
        await send_through_the_fake(settings, db, fake)
    finally:
        await fake.stop()
    logged = everything_logged(stream, caplog)
    assert "sendMessage" in logged and "Traceback" in logged  # DEBUG lines did come out
    assert TOKEN_SECRET_PART not in logged
    assert MASK in logged


@pytest.mark.usefixtures("clean_logging")
async def test_even_httpx_at_debug_cannot_leak_the_token(
    settings: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """The filter alone holds, should someone turn httpx's request log back on."""
    stream = io.StringIO()
    setup_logging("DEBUG", None, stream=stream)  # no settings: the token's shape suffices
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    fake = FakeTelegram()
    await fake.start()
    try:
        await send_through_the_fake(settings, db, fake)
    finally:
        await fake.stop()
    logged = everything_logged(stream, caplog)
    assert "HTTP Request: POST" in logged  # httpx's URL lines, with the token masked
    assert TOKEN_SECRET_PART not in logged


def record(msg: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("t", logging.ERROR, __file__, 1, msg, args, exc_info)


def format_record(filter_: logging.Filter, rec: logging.LogRecord) -> str:
    assert filter_.filter(rec)
    return logging.Formatter("%(message)s").format(rec)


def test_every_kind_of_secret_is_masked_in_messages_args_and_exceptions(
    settings: Settings,
) -> None:
    configured = settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(TOKEN),
            "telegram_webhook_secret": SecretStr(SECRET),
            "wechat_token": "wechat-signing-token",
            "wechat_app_secret": SecretStr("0123456789abcdef0123456789abcdef"),
            "wechat_encoding_aes_key": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
            "webchat_api_token": SecretStr("integration-token-0123456789abcdef"),
            "database_url": "postgresql+asyncpg://linzhu:s3cret-pw@db.internal:5432/linzhu",
        }
    )
    redact = RedactSecrets(secrets_of(configured))
    secrets = [
        TOKEN_SECRET_PART,
        SECRET,
        "wechat-signing-token",
        "0123456789abcdef0123456789abcdef",
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "integration-token-0123456789abcdef",
        "s3cret-pw",
    ]
    for secret in secrets:
        assert secret not in format_record(redact, record("value %s", secret))
        assert secret not in format_record(redact, record(f"in the message: {secret}"))
        try:
            raise RuntimeError(f"failed with {secret}")
        except RuntimeError as exc:
            formatted = format_record(redact, record("boom", exc=exc))
        assert "RuntimeError" in formatted and secret not in formatted
    # Secret-shaped values that no setting names.
    shaped = [
        ("GET https://api.weixin.qq.com/cgi-bin/user?access_token=TOKEN-77&x=1", "TOKEN-77"),
        ('{"access_token": "ACCESS-99", "expires_in": 7200}', "ACCESS-99"),
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi"),
        ("Cookie: linzhu_session=Zm9vYmFyYmF6cXV4", "Zm9vYmFyYmF6cXV4"),
        ("postgresql://app:hunter2@10.0.0.5/db", "hunter2"),
        ("https://api.telegram.org/bot987654:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe", "AAHdq"),
    ]
    for line, secret in shaped:
        assert secret not in format_record(RedactSecrets(), record(line))


def test_one_traceback_per_cause_per_minute() -> None:
    throttle = TracebackThrottle(period=60)

    def fail() -> logging.LogRecord:
        try:
            {}["missing"]  # the same line each time: the same cause
        except KeyError as exc:
            return record("request failed", exc=exc)
        raise AssertionError

    first, second = fail(), fail()
    assert throttle.filter(first) and first.exc_info is not None
    assert throttle.filter(second) and second.exc_info is None
    assert "KeyError" in second.getMessage() and "once a minute" in second.getMessage()
    throttle._shown.clear()  # a minute later
    third = fail()
    assert throttle.filter(third) and third.exc_info is not None


_UNANCHORED_USERINFO = re.compile(r"(\w+://[^:/@\s]*:)[^@/\s]+@")


@hypothesis.settings(max_examples=2000, deadline=None)
@hypothesis.given(
    hypothesis.strategies.lists(
        hypothesis.strategies.sampled_from(
            ["a", "1", "_", ":", "/", "@", " ", ".", "://", "postgres://", "u:pw@", "é", "汉"]
        ),
        max_size=25,
    ).map("".join)
)
def test_the_userinfo_pattern_masks_what_the_unanchored_one_did(text: str) -> None:
    """The scheme://user:password@ pattern starts at the start of a word (so a long word is
    not rescanned from each of its characters); it masks the same spans as before."""
    anchored = next(p for p, _ in PATTERNS if "://" in p.pattern)
    assert anchored.sub("X", text) == _UNANCHORED_USERINFO.sub("X", text)


def test_a_long_word_in_a_log_line_is_left_as_it_is() -> None:
    word = "1" * 4000
    assert RedactSecrets().redact(f"payload {word} refused") == f"payload {word} refused"
    url = "postgresql://linzhu:hunter2secret@db/linzhu"
    assert RedactSecrets().redact(url) == f"postgresql://linzhu:{MASK}@db/linzhu"
