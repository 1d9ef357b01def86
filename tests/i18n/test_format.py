"""Babel formatting on Shanghai time, with fixed datetimes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import use_locale
from bot.i18n.format import (
    FileSize,
    babel_locale,
    format_date,
    format_datetime,
    format_file_size,
    format_number,
    format_relative_datetime,
    format_time,
    format_weekday,
)
from bot.i18n.locales import LOCALES

# 07:00 UTC is 15:00 in Shanghai (UTC+8, no daylight saving), on Friday 6 June 2025.
MEETING = datetime(2025, 6, 6, 7, 0, tzinfo=UTC)
THURSDAY_MORNING = datetime(2025, 6, 5, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_babel_locale_mapping() -> None:
    assert str(babel_locale("zh_Hans")) == "zh_Hans_CN"
    assert str(babel_locale("zh_Hant")) == "zh_Hant_TW"
    assert all(babel_locale(loc) is not None for loc in LOCALES)
    with pytest.raises(ValueError):
        babel_locale("pt")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "3:00\u202fPM"), ("de", "15:00"), ("zh_Hans", "15:00"), ("ko", "오후 3:00")],
)
def test_time_is_shanghai_time(locale: str, expected: str) -> None:
    assert format_time(MEETING, locale) == expected


def test_other_zones_are_converted() -> None:
    paris = MEETING.astimezone(ZoneInfo("Europe/Paris"))  # 09:00 in Paris
    assert format_time(paris, "fr") == "15:00"
    # 23:30 UTC on the 5th is already the 6th in Shanghai.
    assert format_date(datetime(2025, 6, 5, 23, 30, tzinfo=UTC), "en") == "June 6, 2025"


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2025, 6, 6, 15, 0)
    for call in (format_time, format_datetime, format_date, format_weekday):
        with pytest.raises(TypeError):
            call(naive, "en")
    with pytest.raises(TypeError):
        format_relative_datetime(naive, "en", THURSDAY_MORNING)
    with pytest.raises(TypeError):
        format_relative_datetime(MEETING, "en", datetime(2025, 6, 5, 9, 0))


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "June 6, 2025"),
        ("zh_Hans", "2025年6月6日"),
        ("ja", "2025年6月6日"),
        ("de", "6. Juni 2025"),
        ("fr", "6 juin 2025"),
        ("es", "6 de junio de 2025"),
    ],
)
def test_date(locale: str, expected: str) -> None:
    assert format_date(date(2025, 6, 6), locale) == expected


def test_datetime_joins_date_and_time() -> None:
    assert format_datetime(MEETING, "zh_Hans") == "2025年6月6日 15:00"
    assert format_datetime(MEETING, "de") == "6. Juni 2025, 15:00"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Friday"),
        ("zh_Hans", "星期五"),
        ("ja", "金曜日"),
        ("ru", "пятница"),
        ("es", "viernes"),
    ],
)
def test_weekday(locale: str, expected: str) -> None:
    assert format_weekday(MEETING, locale) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "tomorrow, 3:00\u202fPM"),
        ("zh_Hans", "明天 15:00"),
        ("zh_Hant", "明天 下午3:00"),
        ("ja", "明日 15:00"),
        ("ko", "내일 오후 3:00"),
        ("fr", "demain, 15:00"),
        ("de", "morgen, 15:00"),
        ("es", "mañana, 15:00"),
        ("ru", "завтра, 15:00"),
    ],
)
def test_relative_tomorrow(locale: str, expected: str) -> None:
    assert format_relative_datetime(MEETING, locale, THURSDAY_MORNING) == expected


def test_relative_today_and_yesterday() -> None:
    assert (
        format_relative_datetime(MEETING, "zh_Hans", MEETING - timedelta(hours=3)) == "今天 15:00"
    )
    assert format_relative_datetime(MEETING, "de", MEETING + timedelta(days=1)) == "gestern, 15:00"


def test_relative_day_boundary_is_shanghai_midnight() -> None:
    # 17:00 UTC on the 5th is 01:00 on the 6th in Shanghai: "tomorrow" seen from the 5th.
    late = datetime(2025, 6, 5, 17, 0, tzinfo=UTC)
    assert format_relative_datetime(late, "ja", THURSDAY_MORNING) == "明日 1:00"


def test_relative_within_a_week_names_the_weekday() -> None:
    monday = MEETING + timedelta(days=3)
    assert format_relative_datetime(monday, "en", THURSDAY_MORNING) == "Mon, June 9, 3:00\u202fPM"
    assert format_relative_datetime(monday, "zh_Hans", THURSDAY_MORNING) == "6月9日周一 15:00"


def test_relative_beyond_a_week_gives_the_full_date() -> None:
    later = MEETING + timedelta(days=30)
    assert (
        format_relative_datetime(later, "fr", THURSDAY_MORNING) == "dimanche 6 juillet 2025, 15:00"
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "1,234,567.5"),
        ("de", "1.234.567,5"),
        ("fr", "1\u202f234\u202f567,5"),
        ("ru", "1\xa0234\xa0567,5"),
        ("zh_Hans", "1,234,567.5"),
    ],
)
def test_number(locale: str, expected: str) -> None:
    assert format_number(Decimal("1234567.5"), locale) == expected
    assert format_number(7, locale) == "7"


@pytest.mark.parametrize(
    ("n_bytes", "locale", "expected"),
    [
        (300 * 1024, "en", "300 kB"),  # not "1 MB": under a megabyte, in kilobytes
        (300 * 1024, "fr", "300\u202fko"),
        (300 * 1024, "ru", "300 кБ"),
        (int(1.5 * 1024 * 1024), "en", "1.5 MB"),
        (int(1.5 * 1024 * 1024), "de", "1,5 MB"),
        (10 * 1024 * 1024, "en", "10 MB"),
        (10 * 1024 * 1024, "fr", "10\u202fMo"),
        (1023 * 1024 + 900, "en", "1 MB"),  # rounds to 1,024 kB: a megabyte
        (100, "en", "1 kB"),
    ],
)
def test_file_sizes_in_the_locales_units(n_bytes: int, locale: str, expected: str) -> None:
    assert format_file_size(n_bytes, locale) == expected


def test_a_file_size_is_written_in_the_locale_in_force_when_formatted() -> None:
    size, translated = FileSize(int(1.5 * 1024 * 1024)), "(limite : {size})"
    with use_locale("fr"):
        assert translated.format(size=size) == "(limite : 1,5\u202fMo)"
    with use_locale("ru"):
        assert translated.format(size=size) == "(limite : 1,5 МБ)"
