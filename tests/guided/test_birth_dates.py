"""Birth dates as parents type them, per locale (see bench/date_parsing.py for dateparser)."""

from datetime import date

import pytest

from bot.guided.dates import BirthDate, DateProblem, parse_birth_date, region_of

TODAY = date(2026, 11, 28)
D = date(2019, 5, 3)
M = date(2019, 5, 1)

# text, locale, region hint, expected date, precision, alternative reading
CASES = [
    ("2019-05-03", "en", None, D, "day", None),
    ("2019/5/3", "ja", None, D, "day", None),
    ("2019.05.03", "ko", None, D, "day", None),
    ("3/5/2019", "en", None, date(2019, 3, 5), "day", D),  # ambiguous: US reading first
    ("3/5/2019", "en", "us", date(2019, 3, 5), "day", None),
    ("3/5/2019", "en", "gb", D, "day", None),
    ("13/5/2019", "en", None, date(2019, 5, 13), "day", None),  # only one reading works
    ("5/13/2019", "en", None, date(2019, 5, 13), "day", None),
    ("3/3/2019", "en", None, date(2019, 3, 3), "day", None),  # both readings agree
    ("3/5/2019", "fr", None, D, "day", None),
    ("03/05/2019", "es", "us", D, "day", None),  # Spanish is day-first whatever the country
    ("3.5.2019", "de", None, D, "day", None),
    ("3.5.19", "ru", None, D, "day", None),
    ("3.5.2019", "en", None, D, "day", None),  # a dot is day-first everywhere
    ("3/5/2019", "zh_Hans", None, D, "day", date(2019, 3, 5)),  # CJK: ask
    ("2019年5月3日", "zh_Hans", None, D, "day", None),
    ("２０１９年５月３日", "ja", None, D, "day", None),  # full-width digits
    ("令和元年5月3日", "ja", None, D, "day", None),
    ("平成30年5月3日", "ja", None, date(2018, 5, 3), "day", None),
    ("民國108年5月3日", "zh_Hant", None, D, "day", None),
    ("108年5月3日", "zh_Hant", None, D, "day", None),
    ("2019년 5월 3일", "ko", None, D, "day", None),
    ("2019년5월3일생", "ko", None, D, "day", None),
    ("3 mai 2019", "fr", None, D, "day", None),
    ("né le 1er août 2020", "fr", None, date(2020, 8, 1), "day", None),
    ("3. Mai 2019", "de", None, D, "day", None),
    ("3. März 2019", "de", None, date(2019, 3, 3), "day", None),
    ("3 de mayo de 2019", "es", None, D, "day", None),
    ("3 мая 2019 года", "ru", None, D, "day", None),
    ("May 3, 2019", "en", None, D, "day", None),
    ("3rd of May 2019", "en", None, D, "day", None),
    ("my son was born on 3 May 2019", "en", None, D, "day", None),
    ("May 2019", "en", None, M, "month", None),
    ("mai 2019", "fr", None, M, "month", None),
    ("Mai 2019", "de", None, M, "month", None),
    ("mayo de 2019", "es", None, M, "month", None),
    ("в мае 2019", "ru", None, M, "month", None),
    ("май 2019", "ru", None, M, "month", None),
    ("2019年5月", "zh_Hans", None, M, "month", None),
    ("2019년 5월", "ko", None, M, "month", None),
    ("05/2019", "en", None, M, "month", None),
    ("29/02/2020", "fr", None, date(2020, 2, 29), "day", None),  # leap day
]


@pytest.mark.parametrize(("text", "locale", "region", "expected", "precision", "alt"), CASES)
def test_parses(
    text: str, locale: str, region: str | None, expected: date, precision: str, alt: date | None
) -> None:
    result = parse_birth_date(text, locale, today=TODAY, region=region)
    assert result == BirthDate(expected, precision, alternative=alt)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("31/02/2019", DateProblem.INVALID),
        ("29.02.2019", DateProblem.INVALID),  # not a leap year
        ("2019-13-01", DateProblem.INVALID),
        ("2019", DateProblem.YEAR_ONLY),
        ("she was born in 2019", DateProblem.YEAR_ONLY),
        ("hello", DateProblem.NO_DATE),
        ("", DateProblem.NO_DATE),
    ],
)
def test_problems(text: str, problem: DateProblem) -> None:
    assert parse_birth_date(text, "fr", today=TODAY) == problem


def test_two_digit_years_pick_the_past_century_when_needed() -> None:
    assert parse_birth_date("3.5.98", "de", today=TODAY) == BirthDate(date(1998, 5, 3))
    assert parse_birth_date("3.5.26", "de", today=TODAY) == BirthDate(date(2026, 5, 3))


def test_region_of_language_hint() -> None:
    assert region_of("en-GB") == "gb"
    assert region_of("en_US") == "us"
    assert region_of("en") is None
    assert region_of(None) is None
