"""Settings from the environment or `.env`, validated once at start-up."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.i18n.locales import LOCALES

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    default_locale: str = "en"
    timezone: str = "Asia/Shanghai"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    faq_dir: Path = PROJECT_ROOT / "faq"
    locales_dir: Path = PROJECT_ROOT / "locales"
    demo_data: bool = True
    state_ttl_minutes: int = Field(default=60 * 24, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)

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

    @field_validator("staff_users")
    @classmethod
    def _staff_refs(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            channel, sep, external = item.partition(":")
            if not sep or not channel or not external:
                raise ValueError(f"{item!r} is not channel:id (for example telegram:12345)")
        return value

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

    @field_validator("database_schema")
    @classmethod
    def _schema_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
            raise ValueError("must be a lower-case identifier (letters, digits, _)")
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
            problems.append(f"{name}: {err['msg']}")
        raise SettingsError("Invalid setting(s): " + "; ".join(problems)) from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own with load_settings)."""
    return load_settings()
