"""Settings from the environment or `.env`, validated once at start-up."""

from __future__ import annotations

import ipaddress
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.i18n.locales import LOCALES

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENCODER_NAMES = ("use", "e5")  # the sentence encoders bot/knowledge/encoders.py can load


def parse_encoder_setting(value: str) -> list[str]:
    """`use+e5` → ["use", "e5"]; `none` → [] (lexical only)."""
    value = value.strip().lower()
    if value in ("", "none", "lexical"):
        return []
    names = [part.strip() for part in value.replace(",", "+").split("+") if part.strip()]
    unknown = [n for n in names if n not in ENCODER_NAMES]
    if unknown:
        raise ValueError(
            f"unknown encoder {', '.join(unknown)} (use: {', '.join(ENCODER_NAMES)}, "
            "joined with +, or none)"
        )
    return names


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable."""


class Settings(BaseSettings):
    """Every setting Linzhu reads; `.env.example` documents each one."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'linzhu.db'}",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://…",
    )
    database_pool_size: int = Field(default=10, ge=1, le=200)
    database_schema: str | None = Field(
        default=None, description="PostgreSQL schema (search_path) to use; default: public"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="`linzhu serve` web worker processes (more than 1 needs PostgreSQL)",
    )
    default_locale: str = "en"
    timezone: str = "Asia/Shanghai"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per line, with the message's request id"
    )
    faq_dir: Path = PROJECT_ROOT / "faq"
    faq_encoder: str = Field(
        default="use",
        description="Sentence encoders for FAQ retrieval: e5, use, both joined with +, or none",
    )
    faq_cache_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "faq-cache",
        description="Where FAQ phrasing vectors are cached between starts",
    )
    faq_scoring_process: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="`serve` encodes and scores FAQ questions in a helper process beside each "
        "web process, on another core; auto: when the machine has more cores than web workers",
    )
    event_loop: Literal["auto", "uvloop", "asyncio"] = Field(
        default="auto",
        description="The event loop of `serve`: uvloop (its loop work in C; auto: when "
        "installed) or asyncio's own",
    )
    faq_watch_seconds: float = Field(
        default=2.0, ge=0, description="How often `serve` checks faq/ for edits; 0 = never"
    )
    run_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "run",
        description="Pid files of running `linzhu serve` processes (for `faq reload`)",
    )
    locales_dir: Path = Field(
        default=Path(__file__).resolve().parent / "locales",
        description="Compiled catalogs (<locale>/LC_MESSAGES/messages.mo); default: the package's",
    )
    demo_data: bool = True
    state_ttl_minutes: int = Field(default=60 * 24, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    public_url: str | None = Field(
        default=None,
        description="the address residents open (https://… makes the session cookie Secure)",
    )
    security_contact: str | None = Field(
        default=None,
        description=(
            "where to report a vulnerability: mailto: or https: addresses, comma-separated "
            "(served as /.well-known/security.txt; unset, that page is 404)"
        ),
    )
    security_policy_url: str | None = Field(
        default=None, description="an https:// page with the centre's disclosure policy"
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description="reverse proxies whose X-Forwarded-For names the client (comma-separated)",
    )

    # The web chat (bot/channels/webchat): sessions, trusted integrations, limits, embedding.
    webchat_api_token: SecretStr | None = Field(
        default=None,
        description="Bearer token of trusted integrations that name the user themselves",
    )
    webchat_session_idle_days: float = Field(
        default=30, gt=0, le=400, description="a browser session unused this long ends"
    )
    webchat_rate_per_session: int = Field(
        default=30, ge=1, le=100_000, description="POST /api/chat per minute per browser session"
    )
    webchat_rate_per_address: int = Field(
        default=300, ge=1, le=1_000_000, description="POST /api/chat per minute per client address"
    )
    webchat_frame_ancestors: str = Field(
        default="", description="origins allowed to embed the chat page (empty: none)"
    )

    # WeChat official account (bot/channels/wechat); the channel runs when WECHAT_TOKEN is set.
    wechat_token: str | None = Field(
        default=None, description="the Token of the account's server configuration"
    )
    wechat_app_id: str | None = Field(default=None, description="AppID (wx…) of the account")
    wechat_app_secret: SecretStr | None = Field(
        default=None, description="AppSecret, for the access token of the API"
    )
    wechat_encoding_aes_key: str | None = Field(
        default=None, description="EncodingAESKey (43 characters) for compatible and safe mode"
    )
    wechat_api_url: str = Field(
        default="https://api.weixin.qq.com", description="base URL of WeChat's API"
    )
    wechat_token_endpoint: Literal["stable_token", "token"] = Field(
        default="stable_token", description="how the access token is fetched"
    )
    wechat_reply_budget_seconds: float = Field(
        default=4.0, gt=0, le=4.5, description="how long to wait for a passive reply"
    )
    wechat_timestamp_window_seconds: int = Field(
        default=300, ge=10, description="requests whose timestamp is further off are refused"
    )
    wechat_template_id: str | None = Field(
        default=None, description="template message used outside the 48-hour window"
    )
    wechat_template_fields: dict[str, str] = Field(
        default_factory=dict,
        description="template field → text with {text} {first_line} {rest} {date}",
    )
    wechat_template_field_max_chars: int = Field(default=20, ge=1, le=200)
    wechat_template_url: str | None = Field(
        default=None, description="page a template message links to (optional)"
    )
    wechat_menu_file: Path = PROJECT_ROOT / "wechat" / "menu.yaml"
    wechat_compat_mode: bool = Field(
        default=False,
        description="with an AES key: also accept plaintext messages (WeChat's compatible mode)",
    )
    # --- Telegram (the channel starts when a token is set) ---
    telegram_bot_token: SecretStr | None = Field(
        default=None, description="Bot token from @BotFather; empty = no Telegram channel"
    )
    telegram_mode: Literal["polling", "webhook"] = Field(
        default="polling",
        description="polling: fetch updates (no public address needed); webhook: Telegram POSTs",
    )
    telegram_webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS URL Telegram posts to (for `linzhu telegram set-webhook`)",
    )
    telegram_webhook_path: str = Field(
        default="/telegram/webhook", description="Path of the webhook route on our web server"
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None,
        validate_default=True,
        description="X-Telegram-Bot-Api-Secret-Token; required in webhook mode",
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API server (a self-hosted telegram-bot-api, or a fake in tests)",
    )
    telegram_rate_global: int = Field(
        default=30, ge=1, le=1000, description="Messages per second to all chats together"
    )
    telegram_rate_chat: int = Field(
        default=1, ge=1, le=100, description="Messages per second to one chat"
    )
    telegram_rate_group: int = Field(
        default=20, ge=1, le=1000, description="Messages per minute to one group"
    )
    telegram_max_retries: int = Field(
        default=5, ge=0, le=50, description="Retries of one message after a 429 (flood control)"
    )
    telegram_poll_timeout: int = Field(
        default=30, ge=0, le=50, description="Long-polling wait of getUpdates, seconds"
    )
    telegram_concurrency: int | None = Field(
        default=None,
        ge=1,
        le=1000,
        description="Updates handled at once (different users); default: DATABASE_POOL_SIZE",
    )
    telegram_set_commands: bool = Field(
        default=True, description="Set the command menu in every language at start-up"
    )

    # Consultations
    booking_cutoff_hours: float = Field(
        default=2, ge=0, le=168, description="booking closes this many hours before a slot"
    )
    booking_max_upcoming: int = Field(
        default=2, ge=1, le=20, description="upcoming bookings one resident may hold"
    )
    booking_window_days: int = Field(
        default=14, ge=1, le=90, description="how far ahead residents can book"
    )
    staff_users: str = Field(
        default="",
        description="staff accounts as channel:id, comma-separated (telegram:12345,telegram:678)",
    )
    # Staff console (/staff/)
    staff_console: bool = Field(default=True, description="serve the staff console at /staff/")
    handoff_hours: str = Field(
        default="mon-fri 09:00-12:00,13:30-17:30",
        description="when staff answer live conversations, weekly, in TIMEZONE "
        "(public holidays of data/holidays/ excluded); empty: never (messages are left)",
    )
    handoff_attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        le=50 * 1024 * 1024,
        description="largest photo or file (JPEG, PNG, WebP, HEIC, PDF) a resident may send "
        "to staff in a live conversation; bigger ones are refused with a message",
    )
    handoff_staff_group: int | None = Field(
        default=None,
        description="Telegram chat id of a staff group: new conversations, residents' messages "
        "and emergencies are posted there, and a reply to such a post answers the resident",
    )
    staff_session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="a console session ends after this idle time"
    )
    staff_session_max_hours: float = Field(
        default=12, gt=0, le=24 * 7, description="and at the latest this long after login"
    )
    staff_login_max_failures: int = Field(
        default=5, ge=1, le=100, description="failed logins per account before a lock-out"
    )
    staff_login_max_failures_per_address: int = Field(
        default=20, ge=1, le=1000, description="failed logins per address before a lock-out"
    )
    staff_login_lock_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="the lock-out's window and length"
    )
    staff_cookie_secure: Literal["auto", "always", "never"] = Field(
        default="auto", description="Secure cookies: auto = when the request came over https"
    )
    staff_behind_proxy: bool = Field(
        default=False,
        description="take the client address from X-Forwarded-For (only behind your own proxy)",
    )
    # Reminders (the outbox dispatcher)
    reminders_in_serve: bool = Field(
        default=True, description="run the reminder dispatcher inside `linzhu serve`"
    )
    reminder_poll_seconds: float = Field(default=5, gt=0, le=300)
    reminder_batch_size: int = Field(default=50, ge=1, le=1000)
    reminder_lease_seconds: float = Field(
        default=60, ge=1, le=3600, description="SQLite dispatcher lease and row claim time"
    )
    reminder_max_attempts: int = Field(default=8, ge=1, le=100)
    reminder_backoff_seconds: float = Field(default=30, gt=0, le=3600)
    reminder_rate_per_second: float = Field(
        default=29, gt=0, le=1000, description="sends per second per channel (shared on PostgreSQL)"
    )
    # Operations (bot/ops): metrics, shutdown, retention of personal data (PIPL).
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token Prometheus sends to GET /metrics; empty: /metrics is off",
    )
    shutdown_grace_seconds: float = Field(
        default=20, ge=0, le=600, description="SIGTERM: how long in-flight work may still take"
    )
    retention_state_days: int = Field(
        default=30, ge=0, description="conversation state untouched this long is deleted; 0 = keep"
    )
    retention_booking_days: int = Field(
        default=90,
        ge=0,
        description="a booking's note and contacts are erased this long after its time; 0 = keep",
    )
    retention_questions_days: int = Field(
        default=180, ge=0, description="unanswered questions kept for staff; 0 = keep"
    )
    retention_activity_days: int = Field(
        default=365, ge=0, description="activity log (emergency counts, switches); 0 = keep"
    )
    retention_inactive_days: int = Field(
        default=730,
        ge=0,
        description="a resident not heard from this long is deleted with all their data; 0 = keep",
    )
    retention_transcripts_days: int = Field(
        default=365,
        ge=0,
        description="a closed conversation with staff (its transcript) is kept this long; 0 = keep",
    )
    retention_registration_days: int = Field(
        default=90,
        ge=0,
        description="answers to an event's sign-up questions are erased this long after the "
        "event ended (the registration stays); 0 = keep",
    )
    retention_feedback_days: int = Field(
        default=365,
        ge=0,
        description="a comment on an answer is erased this long after it was given (the vote "
        "stays); 0 = keep",
    )
    retention_in_dispatcher: bool = Field(
        default=True, description="run the retention clean-up daily in the reminder dispatcher"
    )

    @field_validator("staff_users")
    @classmethod
    def _staff_refs(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            channel, sep, external = item.partition(":")
            if not sep or not channel or not external:
                raise ValueError(f"{item!r} is not channel:id (for example telegram:12345)")
            # Only ids a platform vouches for: a web chat or console id is not a verified
            # person, so it can never be staff.
            if channel == "telegram" and not external.isdigit():
                raise ValueError(f"{item!r}: a Telegram id is the numeric user id")
            elif channel == "wechat" and not re.fullmatch(r"[A-Za-z0-9_\-]{1,64}", external):
                raise ValueError(f"{item!r}: a WeChat id is the user's openid")
            elif channel not in ("telegram", "wechat"):
                raise ValueError(
                    f"{item!r}: only telegram:<user id> and wechat:<openid> accounts can be "
                    f"staff ({channel} ids are not verified by a platform)"
                )
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value and not re.match(r"https?://[^/\s]+", value):
            raise ValueError("must be an http(s):// URL")
        return value.rstrip("/") if value else None

    @field_validator("security_contact")
    @classmethod
    def _security_contact(cls, value: str | None) -> str | None:
        for item in filter(None, (part.strip() for part in (value or "").split(","))):
            if not re.fullmatch(r"mailto:[^@\s]+@[^@\s]+\.[^@\s]+|https://[^/\s]+\S*", item):
                raise ValueError(f"{item!r}: give mailto:someone@example.org or an https:// URL")
        return value.strip() if value and value.strip() else None

    @field_validator("security_policy_url")
    @classmethod
    def _security_policy(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"https://[^/\s]+\S*", value.strip()):
            raise ValueError("must be an https:// URL")
        return value.strip() if value and value.strip() else None

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"{item!r} is not an IP address or network") from exc
        return value

    @property
    def security_contacts(self) -> tuple[str, ...]:
        """The SECURITY_CONTACT addresses, in the order given."""
        return tuple(p.strip() for p in (self.security_contact or "").split(",") if p.strip())

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        parts = filter(None, (p.strip() for p in self.trusted_proxies.split(",")))
        return tuple(ipaddress.ip_network(p, strict=False) for p in parts)

    @field_validator("webchat_api_token")
    @classmethod
    def _api_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not re.fullmatch(r"[A-Za-z0-9._~+/=\-]{24,256}", value.get_secret_value()):
            raise ValueError(
                "must be 24–256 characters: letters, digits and ._~+/=- "
                "(for example from `python -c 'import secrets; print(secrets.token_urlsafe())'`)"
            )
        return value

    @field_validator("webchat_frame_ancestors")
    @classmethod
    def _frame_ancestors(cls, value: str) -> str:
        for origin in value.replace(",", " ").split():
            if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?", origin):
                raise ValueError(f"{origin!r} is not an origin such as https://example.org")
        return value

    @property
    def frame_ancestors(self) -> tuple[str, ...]:
        """Origins allowed to embed the chat page in a frame; empty: no one."""
        return tuple(self.webchat_frame_ancestors.replace(",", " ").split())

    @property
    def staff(self) -> frozenset[str]:
        """Staff accounts as "channel:external_id" strings (str(UserRef))."""
        return frozenset(p.strip() for p in self.staff_users.split(",") if p.strip())

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("faq_encoder")
    @classmethod
    def _known_encoder(cls, value: str) -> str:
        parse_encoder_setting(value)  # raises ValueError naming the unknown encoder
        return value.strip().lower()

    @field_validator("database_schema")
    @classmethod
    def _schema_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
            raise ValueError("must be a lower-case identifier (letters, digits, _)")
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be an https:// URL (Telegram only posts to HTTPS)")
        return value or None

    @field_validator("telegram_webhook_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not re.fullmatch(r"/[A-Za-z0-9_\-/.]*", value):
            raise ValueError("must be a URL path starting with /")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"https?://[^/]+", value):
            raise ValueError("must be an http(s):// URL")
        return value.rstrip("/")

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            value = None
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_\-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("must be 1–256 characters: letters, digits, _ and -")
        token = info.data.get("telegram_bot_token")
        if value is None and token is not None and info.data.get("telegram_mode") == "webhook":
            raise ValueError("is required when TELEGRAM_MODE=webhook")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not re.fullmatch(r"\d+:[A-Za-z0-9_\-]{20,}", value.get_secret_value()):
            raise ValueError("does not look like a bot token (123456:ABC…) from @BotFather")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            # Operators paste libpq URLs; we run on asyncpg.
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError("must start with sqlite+aiosqlite:/// or postgresql+asyncpg://")
        return value

    @field_validator("wechat_encoding_aes_key")
    @classmethod
    def _aes_key(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9+/]{43}", value):
            raise ValueError("must be the 43 characters (letters and digits) WeChat shows")
        return value or None

    @field_validator("wechat_template_fields", mode="before")
    @classmethod
    def _template_fields(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError as exc:
                raise ValueError(
                    'must be a JSON object such as {"thing1": "{first_line}"}'
                ) from exc
        if isinstance(value, dict):
            allowed = {"text", "first_line", "rest", "date"}
            for name, template in value.items():
                fields = set(re.findall(r"{(\w*)}", str(template)))
                if not fields <= allowed:
                    raise ValueError(
                        f"{name}: placeholders must be among {{text}} {{first_line}} "
                        "{rest} {date}"
                    )
        return value

    @model_validator(mode="after")
    def _wechat_complete(self) -> Settings:
        if self.wechat_encoding_aes_key and not self.wechat_app_id:
            raise ValueError("WECHAT_ENCODING_AES_KEY needs WECHAT_APP_ID")
        if self.wechat_template_id and not self.wechat_template_fields:
            raise ValueError("WECHAT_TEMPLATE_ID needs WECHAT_TEMPLATE_FIELDS")
        return self

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning pydantic's error into one naming the environment variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = "_".join(str(part) for part in err["loc"]).upper()
            problems.append(f"{name}: {err['msg']}" if name else err["msg"])
        raise SettingsError("Invalid setting(s): " + "; ".join(problems)) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own with load_settings)."""
    return load_settings()
