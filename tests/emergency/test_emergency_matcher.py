"""The emergency phrase list: recall on emergencies, silence on ordinary medical questions."""

import pytest
import yaml

from bot.guided.emergency import EmergencyMatcher, compile_term, default_matcher, prepare
from bot.i18n.locales import LOCALES
from tests.paths import DATA

RECALL = yaml.safe_load((DATA / "emergency_recall.yaml").read_text(encoding="utf-8"))
FALSE_ALARMS = yaml.safe_load((DATA / "emergency_false_alarms.yaml").read_text(encoding="utf-8"))


def test_lists_cover_every_locale_with_ten_or_more() -> None:
    for lists in (RECALL, FALSE_ALARMS):
        assert set(lists) == set(LOCALES)
        assert all(len(messages) >= 10 for messages in lists.values())


@pytest.mark.parametrize("locale", LOCALES)
def test_recall(locale: str) -> None:
    matcher = default_matcher()
    missed = [m for m in RECALL[locale] if matcher.detect(m) is None]
    assert missed == []


@pytest.mark.parametrize("locale", LOCALES)
def test_no_false_alarms(locale: str) -> None:
    matcher = default_matcher()
    fired = {m: matcher.detect(m) for m in FALSE_ALARMS[locale]}
    assert {m: d for m, d in fired.items() if d is not None} == {}


def test_every_locale_has_phrases() -> None:
    assert {rule.locale for rule in default_matcher().rules} == set(LOCALES)


def test_normalisation_case_accents_full_width() -> None:
    matcher = default_matcher()
    assert matcher.detect("CHEST PAIN") is not None
    assert matcher.detect("Ｃｈｅｓｔ ｐａｉｎ") is not None
    assert matcher.detect("il est INCONSCIENT") is not None
    assert matcher.detect("perdió el conocimiento") is not None  # accent in the message
    assert matcher.detect("perdio el conocimiento") is not None  # and without it
    assert matcher.detect("Он потерял сознание") is not None
    assert matcher.detect("救 护 车") is not None  # spaces inside CJK words


def test_negation_is_local_to_its_clause() -> None:
    matcher = default_matcher()
    assert matcher.detect("no chest pain") is None
    assert matcher.detect("No, it's chest pain!") is not None  # the "no" is another clause
    assert matcher.detect("he is not breathing") is not None  # the negation is the phrase
    assert matcher.detect("他没有呼吸") is not None
    assert matcher.detect("他没有胸痛") is None
    assert matcher.detect("我不知道是不是中风") is not None  # 是不是 asks, it does not deny
    assert matcher.detect("意識がない") is not None
    assert matcher.detect("胸の痛みはない") is None


def test_mild_does_not_cancel_a_strong_sign() -> None:
    assert default_matcher().detect("I think it's a mild stroke") is not None


def test_hypothetical_framing_needs_no_urgency_word() -> None:
    matcher = default_matcher()
    assert matcher.detect("what number do I call for an ambulance in the future?") is None
    assert matcher.detect("what number do I call for an ambulance?") is not None
    assert matcher.detect("he had a seizure last year and now another one, help me") is not None


def test_word_boundaries_and_wildcards() -> None:
    assert compile_term("seizure*", cjk=False).search(prepare("two seizures").spaced)
    assert not compile_term("stroke", cjk=False).search(prepare("strokes of luck").spaced)
    assert compile_term("chest .. pain", cjk=False).search(prepare("chest very bad pain").spaced)
    assert compile_term("胸..痛", cjk=True).search(prepare("胸口很痛").compact)


def test_custom_data() -> None:
    matcher = EmergencyMatcher({"terms": {"en": ["help now"]}, "negators": {"en": ["no"]}})
    assert matcher.detect("HELP NOW") is not None
    assert matcher.detect("no help now") is None
