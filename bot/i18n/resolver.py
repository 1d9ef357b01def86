"""Chooses the reply locale for each message (DESIGN.md, "Locale of a reply").

The detector runs on free text only: commands, button taps and answers to a step that
takes text in any language (an address) carry no language, so they keep whatever the user
has (or get the platform's hint on a first contact). It reads at most DETECT_CHARS
characters (a language shows in far fewer), and a text longer than ON_LOOP_CHARS is detected
in the CPU pool: 4,000 characters would hold the event loop for tens of milliseconds. The
dispatcher asks for that ahead (`prepare`), before the message queues for its user, and
`resolve` finds the result remembered.
"""

from __future__ import annotations

from bot.core.context import UserRecord
from bot.core.locale import LocaleChoice
from bot.core.offload import ON_LOOP_CHARS, run_for_text
from bot.core.types import Incoming
from bot.i18n.detect import Detection, LanguageDetector, platform_locale
from bot.i18n.policy import decide_reply_locale

NO_SIGNAL = Detection(locale=None, confidence=0.0, certain=False, unsupported=None)
DETECT_CHARS = 600


class DetectingLocaleResolver:
    def __init__(self, default: str, detector: LanguageDetector | None = None) -> None:
        self.default = default
        self.detector = detector or LanguageDetector()  # models load here, once

    def preload(self) -> None:
        """Everything the detector may need, loaded now (see LanguageDetector.preload)."""
        self.detector.preload()

    async def prepare(self, text: str) -> None:
        """Detect a long text's language in the CPU pool now (the detector remembers it for
        `resolve`); a short one costs too little."""
        if len(text) > ON_LOOP_CHARS:
            await self._detect(text)

    async def _detect(self, text: str) -> Detection:
        sample = text[:DETECT_CHARS]
        found = self.detector.remembered(sample)
        return found if found is not None else await run_for_text(self.detector.detect, sample)

    async def resolve(
        self, incoming: Incoming, user: UserRecord, *, free_input: bool = False
    ) -> LocaleChoice:
        # An answer in a step that takes any language (an address in Chinese) is no
        # sign of the resident's language: it is treated like a button tap.
        free_text = (
            not free_input
            and incoming.payload is None
            and incoming.text
            and incoming.command is None
        )
        detection = await self._detect(incoming.text or "") if free_text else NO_SIGNAL
        decision = decide_reply_locale(
            detection,
            stored_locale=user.locale,
            stored_source=user.locale_source,
            platform_hint=platform_locale(incoming.language_hint or user.platform_language),
            default=self.default,
        )
        return LocaleChoice(
            decision.locale,
            decision.source,
            decision.store,
            decision.suggest_switch,
            decision.unsupported,
        )


def accept_language_locale(header: str | None, default: str = "en") -> str:
    """The first supported locale in an Accept-Language header."""
    for part in (header or "").split(","):
        locale = platform_locale(part.split(";", 1)[0].strip())
        if locale:
            return locale
    return default
