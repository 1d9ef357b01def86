"""Drive the whole router like a resident would: `await chat.say("/start")` → replies."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.dispatcher import Dispatcher, Outcome
from bot.core.router import RouteTable
from bot.core.types import Button, Incoming, Reply, UserRef


@dataclass
class Conversation:
    dispatcher: Dispatcher
    user: UserRef = field(default_factory=lambda: UserRef("web", "tester"))
    language_hint: str | None = None
    display_name: str | None = None  # as Telegram gives it
    last: Outcome | None = None

    async def say(self, text: str) -> list[Reply]:
        return await self._send(
            Incoming(
                self.user,
                text=text,
                chat_id=self.user.external_id,
                language_hint=self.language_hint,
                display_name=self.display_name,
            )
        )

    async def tap(self, payload: str) -> list[Reply]:
        return await self._send(
            Incoming(
                self.user,
                payload=payload,
                chat_id=self.user.external_id,
                language_hint=self.language_hint,
                display_name=self.display_name,
            )
        )

    async def tap_label(self, label: str) -> list[Reply]:
        """Tap the button with this label among the last replies."""
        return await self.tap(self.button(label).payload)

    def button(self, label: str) -> Button:
        assert self.last is not None, "nothing said yet"
        for reply in self.last.replies:
            for button in reply.buttons:
                if button.label == label:
                    return button
        labels = [b.label for r in self.last.replies for b in r.buttons]
        raise AssertionError(f"no button {label!r} among {labels}")

    @property
    def locale(self) -> str:
        assert self.last is not None
        return self.last.locale

    def text(self) -> str:
        assert self.last is not None
        return "\n".join(r.text for r in self.last.replies)

    async def _send(self, incoming: Incoming) -> list[Reply]:
        self.last = await self.dispatcher.handle(incoming)
        return self.last.replies


def tr(locale: str, msgid: str) -> str:
    """`msgid` as the catalog of `locale` renders it (tests compare with the real catalogs)."""
    from bot.i18n import _, use_locale

    with use_locale(locale):
        return _(msgid)


def with_routes(dispatcher: Dispatcher, routes: RouteTable) -> Dispatcher:
    """The same services and store, answering with other routes (tests of the pipeline)."""
    return Dispatcher(
        routes,
        dispatcher.services,
        conversations=dispatcher.conversations,
        resolver=dispatcher.resolver,
        channels=dispatcher.channels,
    )
