"""The reply-locale policy, as a table of situations (detections built by hand)."""

from __future__ import annotations

import pytest

from bot.i18n.detect import Detection
from bot.i18n.policy import LocaleDecision, decide_reply_locale

TRIVIAL = Detection(None, 0.0, False, None)
HANGUL = Detection("ko", 1.0, True, None)
GERMAN_SENTENCE = Detection("de", 0.9, False, None)
GERMAN_WORD = Detection("de", 0.6, False, None)
WEAK_FRENCH = Detection("fr", 0.3, False, None)
SHARED_HANZI = Detection("zh_Hans", 0.9, False, None, ("zh_Hans", "zh_Hant"))
ITALIAN = Detection(None, 0.95, False, "it")


def decide(
    detection: Detection,
    stored: str | None = None,
    source: str | None = None,
    hint: str | None = None,
) -> LocaleDecision:
    return decide_reply_locale(
        detection, stored_locale=stored, stored_source=source, platform_hint=hint
    )


# --- explicit choice -------------------------------------------------------------------------


def test_explicit_choice_wins_and_suggests_a_confident_other_locale() -> None:
    assert decide(HANGUL, "en", "explicit") == LocaleDecision("en", "explicit", False, "ko", None)
    assert decide(GERMAN_SENTENCE, "en", "explicit").suggest_switch == "de"


@pytest.mark.parametrize("detection", [TRIVIAL, GERMAN_WORD, WEAK_FRENCH, ITALIAN])
def test_explicit_choice_without_confident_other_suggests_nothing(detection: Detection) -> None:
    assert decide(detection, "en", "explicit") == LocaleDecision(
        "en", "explicit", False, None, None
    )


def test_explicit_choice_kept_when_the_text_fits_it() -> None:
    assert decide(SHARED_HANZI, "zh_Hant", "explicit").suggest_switch is None


# --- a stored prior ----------------------------------------------------------------------------


@pytest.mark.parametrize("detection", [TRIVIAL, WEAK_FRENCH, GERMAN_WORD])
def test_prior_kept_on_trivial_or_weak_messages(detection: Detection) -> None:
    assert decide(detection, "ko", "detected") == LocaleDecision(
        "ko", "detected", False, None, None
    )


def test_prior_switches_on_a_certain_or_confident_message() -> None:
    assert decide(HANGUL, "en", "detected") == LocaleDecision("ko", "detected", True, None, None)
    assert decide(GERMAN_SENTENCE, "en", "platform") == LocaleDecision(
        "de", "detected", True, None, None
    )


def test_switch_happens_at_the_threshold_not_below() -> None:
    at = Detection("fr", 0.7, False, None)
    below = Detection("fr", 0.69, False, None)
    assert decide(at, "en", "detected").locale == "fr"
    assert decide(below, "en", "detected").locale == "en"
    custom = decide_reply_locale(
        at, stored_locale="en", stored_source="detected", platform_hint=None, switch_threshold=0.8
    )
    assert custom.locale == "en"


def test_hint_breaks_the_tie_for_one_word_replies() -> None:
    assert decide(GERMAN_WORD, "en", "detected", hint="de") == LocaleDecision(
        "de", "detected", True, None, None
    )
    assert decide(WEAK_FRENCH, "en", "detected", hint="fr").locale == "en"  # too weak even so


def test_shared_hanzi_keep_a_traditional_prior() -> None:
    assert decide(SHARED_HANZI, "zh_Hant", "detected").locale == "zh_Hant"


def test_shared_hanzi_switch_an_english_prior_to_the_hinted_script() -> None:
    decision = decide(SHARED_HANZI, "en", "detected", hint="zh_Hant")
    assert (decision.locale, decision.store) == ("zh_Hant", True)
    assert decide(SHARED_HANZI, "en", "detected").locale == "zh_Hans"


def test_unsupported_language_keeps_the_prior_and_asks() -> None:
    assert decide(ITALIAN, "fr", "detected") == LocaleDecision("fr", "detected", False, None, "it")


# --- first message ------------------------------------------------------------------------------


def test_first_message_certain_detection_beats_the_hint() -> None:
    assert decide(HANGUL, hint="en") == LocaleDecision("ko", "detected", True, None, None)


def test_first_message_uses_the_hint_over_an_uncertain_detection() -> None:
    assert decide(WEAK_FRENCH, hint="de") == LocaleDecision("de", "platform", True, None, None)
    assert decide(TRIVIAL, hint="ja") == LocaleDecision("ja", "platform", True, None, None)


def test_first_message_hint_with_confident_other_offers_a_switch() -> None:
    assert decide(GERMAN_SENTENCE, hint="en") == LocaleDecision("en", "platform", True, "de", None)


def test_first_message_shared_hanzi_follow_the_hint() -> None:
    assert decide(SHARED_HANZI, hint="zh_Hant").locale == "zh_Hant"


def test_first_message_without_hint_takes_any_detection() -> None:
    assert decide(WEAK_FRENCH) == LocaleDecision("fr", "detected", True, None, None)


def test_first_message_without_signal_uses_the_default_unstored() -> None:
    assert decide(TRIVIAL) == LocaleDecision("en", "default", False, None, None)
    assert decide_reply_locale(
        TRIVIAL, stored_locale=None, stored_source=None, platform_hint=None, default="zh_Hans"
    ) == LocaleDecision("zh_Hans", "default", False, None, None)


def test_first_message_in_unsupported_language() -> None:
    assert decide(ITALIAN) == LocaleDecision("en", "default", False, None, "it")
    assert decide(ITALIAN, hint="fr") == LocaleDecision("fr", "platform", True, None, "it")


def test_unknown_stored_or_hinted_locales_are_ignored() -> None:
    assert decide(TRIVIAL, "pt", "detected", hint="it") == LocaleDecision(
        "en", "default", False, None, None
    )
