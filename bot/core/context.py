"""What a handler gets besides the message: the user, their flow state, the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.i18n.translation import current_locale

if TYPE_CHECKING:
    from bot.services import Services
    from bot.store.models import User
    from bot.store.state import FlowState


@dataclass(frozen=True)
class LocaleChoice:
    """The reply locale for one message and what to do about it."""

    locale: str
    source: str = "default"  # explicit | detected | platform | default
    store: bool = False  # remember `locale` as the user's locale
    suggest_switch: str | None = None
    unsupported: str | None = None


@dataclass
class Context:
    services: Services
    user: User
    state: FlowState
    locale: str
    choice: LocaleChoice
    new_locale: tuple[str, str] | None = field(default=None, init=False)

    @property
    def user_id(self) -> int:
        assert self.user.id is not None
        return self.user.id

    def set_locale(self, locale: str, source: str = "explicit") -> None:
        """Switch the reply locale now and store it with the user after the handler."""
        self.locale = locale
        self.new_locale = (locale, source)
        current_locale.set(locale)
