"""The chat language detector, on messages written for these tests (none from the eval sets)."""

from __future__ import annotations

import pytest

from bot.i18n.detect import Detection, LanguageDetector, platform_locale


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def _locale(detector: LanguageDetector, text: str) -> str | None:
    return detector.detect(text).locale


# --- script rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("늦어서 죄송합니다", "ko"),
        ("OK 고마워요", "ko"),  # Hangul outweighs a Latin "OK"
        ("遅れてすみません", "ja"),
        ("予約済み", "ja"),  # kana among kanji
        ("OKです", "ja"),
        ("извините, опаздываю", "ru"),
        ("ок", "ru"),  # a Russian keyboard is a signal, unlike Latin "ok"
        ("встреча у станции Zhongshan Park", "ru"),
    ],
)
def test_certain_scripts(detector: LanguageDetector, text: str, locale: str) -> None:
    result = detector.detect(text)
    assert (result.locale, result.certain, result.unsupported) == (locale, True, None)
    assert result.confidence == 1.0


def test_kanji_only_japanese_with_japanese_only_characters(detector: LanguageDetector) -> None:
    # 駅 is a Japanese form (Chinese writes 站/驛), so no kana is needed.
    assert _locale(detector, "東京駅") == "ja"
    assert _locale(detector, "新宿駅前") == "ja"


def test_kanji_only_words_keep_japanese_compatible(detector: LanguageDetector) -> None:
    result = detector.detect("電話")  # also good Chinese: not certain, Japanese stays possible
    assert result.locale in ("zh_Hans", "zh_Hant")
    assert not result.certain
    assert result.fits("ja")


def test_chinese_borrowing_no_is_still_chinese(detector: LanguageDetector) -> None:
    assert _locale(detector, "这是我の猫") == "zh_Hans"


def test_han_with_latin_names_is_chinese(detector: LanguageDetector) -> None:
    assert _locale(detector, "我们在Jing'an Temple见面") == "zh_Hans"


# --- Simplified vs Traditional -------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["我们几点见面？", "请帮我挂一个儿科号", "这个周末图书馆开门吗", "谢谢你们"]
)
def test_simplified(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text)
    assert result.locale == "zh_Hans"
    assert result.confidence >= 0.9


@pytest.mark.parametrize(
    "text", ["我們幾點見面？", "請幫我掛一個兒科號", "這個週末圖書館開門嗎", "謝謝你們"]
)
def test_traditional(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text)
    assert result.locale == "zh_Hant"
    assert result.confidence >= 0.9


def test_shared_characters_only_leave_both_scripts_open(detector: LanguageDetector) -> None:
    result = detector.detect("好的")
    assert result.locale == "zh_Hans"  # the likelier guess in Shanghai...
    assert result.fits("zh_Hant") and not result.certain  # ...but a zh_Hant prior is kept


@pytest.mark.parametrize("text", ["係咪星期六開", "好喔ㄏㄏ", "佢唔去"])
def test_taiwan_and_hong_kong_markers(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text)
    assert result.locale == "zh_Hant"


def test_mixed_scripts_follow_the_majority(detector: LanguageDetector) -> None:
    result = detector.detect("這個活動还有名額嗎")  # one Simplified slip among Traditional
    assert result.locale == "zh_Hant"
    assert not result.certain


# --- Latin script: our four locales ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "locale"),
    [
        ("see you then", "en"),
        ("running late, sorry", "en"),
        ("can I bring my daughter?", "en"),
        ("got it, thanks", "en"),
        ("à demain", "fr"),
        ("je suis en retard", "fr"),
        ("ça me va", "fr"),
        ("bien reçu, merci", "fr"),
        ("bis morgen", "de"),
        ("ich komme etwas später", "de"),
        ("passt für mich", "de"),
        ("gute Nacht", "de"),
        ("hasta mañana", "es"),
        ("llego tarde, perdón", "es"),
        ("me viene bien", "es"),
        ("¿puedo aparcar aquí?", "es"),
    ],
)
def test_short_latin_messages(detector: LanguageDetector, text: str, locale: str) -> None:
    assert _locale(detector, text) == locale


def test_long_latin_text_is_certain(detector: LanguageDetector) -> None:
    result = detector.detect("Wir wohnen in Changning und suchen einen Kinderarzt")
    assert (result.locale, result.certain) == ("de", True)


def test_one_latin_word_stays_below_switch_threshold(detector: LanguageDetector) -> None:
    result = detector.detect("gracias")
    assert result.locale == "es"
    assert result.confidence < 0.7 and not result.certain


def test_neutral_tokens_are_ignored_in_longer_messages(detector: LanguageDetector) -> None:
    assert _locale(detector, "ok, à plus tard") == "fr"
    assert _locale(detector, "okay, bis später") == "de"


# --- no signal -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["ok", "OK!", "yes", "👍", "👍👍🙏", "1", "15:00", "3pm", "?!", "...", "", "   ",
     "https://example.com/events?id=3", "/start", "/book@LinzhuBot", "@staff", "haha"],
)  # fmt: skip
def test_trivial_messages_have_no_locale(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == Detection(None, 0.0, False, None)


@pytest.mark.parametrize("text", ["Xujiahui", "Lujiazui?", "Jing'an", "Xujiahui Lujiazui"])
def test_pinyin_place_names_alone_have_no_locale(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).locale is None


def test_pinyin_place_names_do_not_sway_a_sentence(detector: LanguageDetector) -> None:
    assert _locale(detector, "rendez-vous à Xujiahui") == "fr"
    assert _locale(detector, "Treffpunkt Lujiazui, Ausgang 2") == "de"
    assert _locale(detector, "Taxi") is not None  # pinyin-shaped, but a real word


# --- languages Linzhu does not speak -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Scusate il ritardo, arrivo tra dieci minuti", "it"),
        ("Posso portare anche mia figlia all'incontro?", "it"),
        ("Desculpe o atraso, chego em dez minutos", "pt"),
        ("Posso levar a minha filha também?", "pt"),
        ("Mag ik mijn dochter ook meenemen?", "nl"),
        ("Xin lỗi tôi đến muộn", "vi"),
        ("cảm ơn", "vi"),
        ("Geç kaldığım için özür dilerim", "tr"),
        ("ขอบคุณครับ", "th"),
        ("شكرا جزيلا", "ar"),
        ("תודה רבה", "he"),
        ("धन्यवाद", "hi"),
        ("Дякую, до зустрічі", "uk"),
    ],
)
def test_unsupported_languages_are_flagged(
    detector: LanguageDetector, text: str, code: str
) -> None:
    result = detector.detect(text)
    assert (result.locale, result.unsupported) == (None, code)


@pytest.mark.parametrize("text", ["ciao", "grazie", "obrigado", "si", "bravo", "super", "Taxi"])
def test_short_ambiguous_words_are_not_flagged(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).unsupported is None


@pytest.mark.parametrize(
    "text",
    [
        "mi marido es portugués pero habla español",
        "mon mari est italien, il parle un peu chinois",
        "my wife Maria and I are from Porto",
        "mein Mann kommt aus Amsterdam, spricht aber Deutsch",
    ],
)
def test_foreign_names_do_not_flag_our_languages(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text)
    assert result.unsupported is None and result.locale is not None


# --- determinism and sharing ---------------------------------------------------------------


def test_same_answer_every_time(detector: LanguageDetector) -> None:
    texts = ["ja", "vale", "super, merci", "不用", "了解", "Hongqiao?", "mi hijo tiene fiebre"]
    first = [detector.detect(t) for t in texts]
    again = [LanguageDetector().detect(t) for t in texts]
    assert first == again == [detector.detect(t) for t in texts]


def test_models_are_loaded_once(detector: LanguageDetector) -> None:
    other = LanguageDetector()
    assert other._latin is detector._latin and other._han is detector._han


# --- platform codes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "locale"),
    [
        ("en-US", "en"), ("en", "en"), ("zh-hans", "zh_Hans"), ("zh-cn", "zh_Hans"),
        ("zh-sg", "zh_Hans"), ("zh", "zh_Hans"), ("zh_CN", "zh_Hans"), ("zh-hant", "zh_Hant"),
        ("zh-tw", "zh_Hant"), ("zh-hk", "zh_Hant"), ("zh-mo", "zh_Hant"), ("zh_TW", "zh_Hant"),
        ("zh_HK", "zh_Hant"), ("zh-Hant-HK", "zh_Hant"), ("ja", "ja"), ("ko", "ko"),
        ("fr-CA", "fr"), ("de-AT", "de"), ("es-MX", "es"), ("ru", "ru"), ("pt-br", None),
        ("it", None), ("", None), (None, None),
    ],
)  # fmt: skip
def test_platform_locale(code: str | None, locale: str | None) -> None:
    assert platform_locale(code) == locale


def test_gibberish_carries_no_language() -> None:
    from bot.i18n.detect import LanguageDetector

    assert LanguageDetector().detect("qwzx plorf vrrmb 9931").locale is None
    assert LanguageDetector().detect("danke schön").locale == "de"
