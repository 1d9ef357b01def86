"""Which locale to reply in: a pure function of the detection and what is stored.

The order follows DESIGN.md ("Locale of a reply"): the user's explicit choice; the message's
language when detection is certain; the platform's hint; the detector on short text; the
default. A stored detected/platform locale is the conversation's prior: it changes only on
a confident message, so "ok", "yes", numbers and emoji never flip the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n.detect import Detection
from bot.i18n.locales import DEFAULT_LOCALE, is_supported

__all__ = ["LocaleDecision", "decide_reply_locale"]

# A detection this weak ("super": fr 0.3) cannot switch a prior even when the hint agrees.
_TIE_BREAK = 0.5


@dataclass(frozen=True)
class LocaleDecision:
    """The reply locale and what to remember about it."""

    locale: str  # the locale to reply in
    source: (
        str  # "explicit" | "detected" | "platform" | "default": the user's locale source to store
    )
    store: bool  # True when the user's stored locale should be updated to `locale`
    suggest_switch: str | None  # a locale to offer as a one-tap "switch to 한국어?" button
    unsupported: str | None  # the message is in a language Linzhu does not speak: show the menu


def decide_reply_locale(
    detection: Detection,
    *,
    stored_locale: str | None,
    stored_source: str | None,
    platform_hint: str | None,
    default: str = DEFAULT_LOCALE,
    switch_threshold: float = 0.7,
) -> LocaleDecision:
    """Decide the reply locale for one message.

    - Explicit choice (stored with source "explicit"): always reply in it. A message
      confidently in another supported locale gets a one-tap `suggest_switch`, never an
      automatic switch. `unsupported` is not raised: the user already chose from the menu.
    - A stored detected/platform locale (the prior): kept unless the message is confidently
      (certain, or confidence >= `switch_threshold`) in another locale, then switch and store.
      A weaker detection (>= 0.5) that agrees with the platform hint also switches: the hint
      breaks the tie for one-word replies ("danke" from a de-AT client).
    - Nothing stored (first message): a certain detection; else the platform hint (with a
      `suggest_switch` when the message is confidently in another locale); else any
      detection; else the default, which is not stored so the next message can still decide.
    - Where the detection fits several locales equally (Chinese written only in characters
      both scripts share), a prior or hint among them is kept: "好的" keeps zh_Hant.
    """
    stored = stored_locale if is_supported(stored_locale) else None
    hint = platform_hint if is_supported(platform_hint) else None
    fallback = default if is_supported(default) else DEFAULT_LOCALE
    confident = detection.locale is not None and (
        detection.certain or detection.confidence >= switch_threshold
    )

    if stored is not None and stored_source == "explicit":
        suggest = _choose(detection, hint) if confident and not detection.fits(stored) else None
        return LocaleDecision(stored, "explicit", False, suggest, None)

    if stored is not None:
        source = stored_source or "detected"
        keep = LocaleDecision(stored, source, False, None, detection.unsupported)
        if detection.locale is None or detection.fits(stored):
            return keep
        if confident or (detection.fits(hint) and detection.confidence >= _TIE_BREAK):
            return LocaleDecision(_choose(detection, hint), "detected", True, None, None)
        return keep

    if detection.locale is not None and detection.certain:
        return LocaleDecision(_choose(detection, hint), "detected", True, None, None)
    if hint is not None:
        suggest = detection.locale if confident and not detection.fits(hint) else None
        return LocaleDecision(hint, "platform", True, suggest, detection.unsupported)
    if detection.locale is not None:
        return LocaleDecision(detection.locale, "detected", True, None, None)
    return LocaleDecision(fallback, "default", False, None, detection.unsupported)


def _choose(detection: Detection, hint: str | None) -> str:
    """The detected locale, or the hint when the text fits it equally well."""
    if hint is not None and detection.fits(hint):
        return hint
    return detection.locale or DEFAULT_LOCALE
