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
    faq_encoder: str = Field(
        default="use",
        description="Sentence encoders for FAQ retrieval: e5, use, both joined with +, or none",
    )
    faq_cache_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "faq-cache",
        description="Where FAQ phrasing vectors are cached between starts",
    )
    faq_watch_seconds: float = Field(
        default=2.0, ge=0, description="How often `serve` checks faq/ for edits; 0 = never"
    )
    run_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "run",
        description="Pid files of running `linzhu serve` processes (for `faq reload`)",
    )
    locales_dir: Path = PROJECT_ROOT / "locales"
    demo_data: bool = True
    state_ttl_minutes: int = Field(default=60 * 24, ge=1)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @field_validator("faq_encoder")
    @classmethod
    def _known_encoder(cls, value: str) -> str:
        from bot.knowledge.encoders import parse_encoder_setting

        parse_encoder_setting(value)  # raises ValueError naming the unknown encoder
        return value.strip().lower()

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
