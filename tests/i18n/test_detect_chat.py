"""Short and mixed chat messages: scripts that own a locale, names, kanji-only Japanese,
romanised Japanese and Russian, a term of another script inside a sentence (issue 20).

Messages written for these tests; none come from the evaluation sets."""

from __future__ import annotations

import pytest

from bot.i18n.detect import LanguageDetector
from bot.i18n.policy import decide_reply_locale
from bot.i18n.romanised import ROMANISED_CONFIDENCE


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("садик Gubei", "ru"),  # a Latin place name outweighs the Cyrillic letters
        ("WeChat Pay не работает", "ru"),
        ("出入境 где находится", "ru"),  # a Chinese term inside a Russian sentence
        # English terms inside a Russian sentence are not English, nor another language
        ("Нужен ли health check для residence permit, и сколько он стоит?", "ru"),
        ("Посоветуйте international kindergarten с bilingual программой недалеко", "ru"),
        ("Linzhu 상담", "ko"),
        ("居留许可 연장", "ko"),
        ("Hongqiao のえき", "ja"),
        ("Linguang ね", "ja"),
    ],
)
def test_kana_hangul_and_cyrillic_decide_whatever_else_is_written(
    detector: LanguageDetector, text: str, locale: str
) -> None:
    result = detector.detect(text)
    assert (result.locale, result.certain) == (locale, True)


@pytest.mark.parametrize(
    "text",
    ["書類", "手続", "何番目", "救急車 番号", "入学 書類", "相談 予約", "中国語教室"],
)
def test_kanji_only_japanese_words_go_to_japanese(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).locale == "ja"


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("学费多少", "zh_Hans"),
        ("醫院掛號", "zh_Hant"),
        ("入學文件", "zh_Hant"),
        ("幼稚園", "zh_Hant"),  # Taiwan's word too
    ],
)
def test_chinese_words_stay_chinese(detector: LanguageDetector, text: str, locale: str) -> None:
    assert detector.detect(text).locale == locale


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Linguang Kinderclub", "de"),  # a German compound and a programme name
        ("CoLab Bewerbung", "de"),
        ("Linzhu cita", "es"),
        ("Hongqiao CoLab para estudiantes", "es"),
    ],
)
def test_programme_names_never_make_a_message_foreign(
    detector: LanguageDetector, text: str, locale: str
) -> None:
    result = detector.detect(text)
    assert result.unsupported is None
    assert result.locale == locale


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("haisha no yoyaku wo shitai desu", "ja"),
        ("kodomo ga kaze wo hikimashita", "ja"),
        ("gde kupit lekarstvo dlya rebenka", "ru"),
        ("mne nuzhna pomoshch s shkoloy", "ru"),
    ],
)
def test_romanised_japanese_and_russian_decide_a_first_message(
    detector: LanguageDetector, text: str, locale: str
) -> None:
    detection = detector.detect(text)
    assert detection.locale == locale and detection.unsupported is None
    first = decide_reply_locale(
        detection, stored_locale=None, stored_source=None, platform_hint=None
    )
    assert first.locale == locale


@pytest.mark.parametrize(
    "text", ["haisha no yoyaku wo shitai desu", "mne nuzhna pomoshch s shkoloy"]
)
@pytest.mark.parametrize("source", ["detected", "platform"])
def test_a_romanised_guess_never_switches_a_conversation(
    detector: LanguageDetector, text: str, source: str
) -> None:
    detection = detector.detect(text)
    assert detection.confidence == ROMANISED_CONFIDENCE and not detection.certain
    kept = decide_reply_locale(
        detection, stored_locale="fr", stored_source=source, platform_hint=None
    )
    assert (kept.locale, kept.store) == ("fr", False)


@pytest.mark.parametrize(
    ("text", "locale"),
    [("yo no se", "es"), ("to be or not to be", "en"), ("de nada", "es"), ("mi casa", "es")],
)
def test_latin_languages_are_not_taken_for_romanised_ones(
    detector: LanguageDetector, text: str, locale: str
) -> None:
    assert detector.detect(text).locale == locale


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("Wo mache ich den 体检 für das Visum?", "de"),
        ("Est-ce que le 派出所 est ouvert le samedi ?", "fr"),
        ("where is the 出入境 office", "en"),
        ("我想找 English speaking 的医生", "zh_Hans"),
        ("有冇 English doctor 介紹", "zh_Hant"),
        # A Chinese "how" makes a sentence of English words around it, never a term.
        ("想約個 online meeting，點樣預約？", "zh_Hant"),
        ("请问 weekend workshop 怎样报名", "zh_Hans"),
    ],
)
def test_a_term_of_another_script_keeps_the_sentence_language(
    detector: LanguageDetector, text: str, locale: str
) -> None:
    assert detector.detect(text).locale == locale
