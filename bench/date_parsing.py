"""Birth-date parsing: our parser (bot/guided/dates.py) against dateparser, on a case table.

    .venv/bin/python bench/date_parsing.py

A case is right when the date and its precision (day or month) match. For ambiguous
numeric dates (3/5/2019 with no country) the right answer is to ask: ours returns both
readings; dateparser cannot signal ambiguity, so those count as misses for it. A third
contender falls back to dateparser's search_dates for dates inside a sentence. Timings are
after a warm-up pass (the first call of each builds its tables and is reported apart).
"""

from __future__ import annotations

import sys
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.guided.dates import BirthDate, parse_birth_date

TODAY = date(2026, 11, 28)
D, M = date(2019, 5, 3), date(2019, 5, 1)
ASK = "ask"
# text, locale, expected date, precision ("day" | "month" | ASK)
CASES: list[tuple[str, str, date | None, str]] = [
    ("2019-05-03", "en", D, "day"),
    ("2019/5/3", "ja", D, "day"),
    ("2019.05.03", "ko", D, "day"),
    ("3/5/2019", "en", date(2019, 3, 5), ASK),
    ("13/5/2019", "en", date(2019, 5, 13), "day"),
    ("May 3, 2019", "en", D, "day"),
    ("3 May 2019", "en", D, "day"),
    ("3rd of May 2019", "en", D, "day"),
    ("May 3rd 2019", "en", D, "day"),
    ("born on 3 May 2019", "en", D, "day"),
    ("my daughter was born May 3, 2019", "en", D, "day"),
    ("May 2019", "en", M, "month"),
    ("05/2019", "en", M, "month"),
    ("Sept 2020", "en", date(2020, 9, 1), "month"),
    ("29 Feb 2020", "en", date(2020, 2, 29), "day"),
    ("3/5/2019", "fr", D, "day"),
    ("03/05/2019", "fr", D, "day"),
    ("3 mai 2019", "fr", D, "day"),
    ("1er août 2020", "fr", date(2020, 8, 1), "day"),
    ("né le 3 mai 2019", "fr", D, "day"),
    ("mai 2019", "fr", M, "month"),
    ("en mai 2019", "fr", M, "month"),
    ("3 févr. 2019", "fr", date(2019, 2, 3), "day"),
    ("3.5.2019", "de", D, "day"),
    ("03.05.2019", "de", D, "day"),
    ("3. Mai 2019", "de", D, "day"),
    ("3 Mai 2019", "de", D, "day"),
    ("3. März 2019", "de", date(2019, 3, 3), "day"),
    ("geboren am 3. Mai 2019", "de", D, "day"),
    ("Mai 2019", "de", M, "month"),
    ("3.5.19", "de", D, "day"),
    ("3/5/2019", "es", D, "day"),
    ("3 de mayo de 2019", "es", D, "day"),
    ("3 mayo 2019", "es", D, "day"),
    ("nació el 3 de mayo de 2019", "es", D, "day"),
    ("mayo de 2019", "es", M, "month"),
    ("1 de septiembre de 2020", "es", date(2020, 9, 1), "day"),
    ("3.05.2019", "ru", D, "day"),
    ("3 мая 2019", "ru", D, "day"),
    ("3 мая 2019 года", "ru", D, "day"),
    ("родился 3 мая 2019", "ru", D, "day"),
    ("май 2019", "ru", M, "month"),
    ("в мае 2019", "ru", M, "month"),
    ("31 августа 2020", "ru", date(2020, 8, 31), "day"),
    ("2019年5月3日", "zh_Hans", D, "day"),
    ("2019年5月3号", "zh_Hans", D, "day"),
    ("2019年5月", "zh_Hans", M, "month"),
    ("孩子是2019年5月3日出生的", "zh_Hans", D, "day"),
    ("2019.5.3", "zh_Hans", D, "day"),
    ("3/5/2019", "zh_Hans", D, ASK),
    ("2019年5月3日", "zh_Hant", D, "day"),
    ("民國108年5月3日", "zh_Hant", D, "day"),
    ("108年5月3日", "zh_Hant", D, "day"),
    ("2019年5月3日", "ja", D, "day"),
    ("２０１９年５月３日", "ja", D, "day"),
    ("令和元年5月3日", "ja", D, "day"),
    ("平成30年5月3日", "ja", date(2018, 5, 3), "day"),
    ("2019年5月生まれ", "ja", M, "month"),
    ("2019년 5월 3일", "ko", D, "day"),
    ("2019년5월3일생", "ko", D, "day"),
    ("2019년 5월", "ko", M, "month"),
    ("2019. 5. 3.", "ko", D, "day"),
    ("31/02/2019", "fr", None, "invalid"),
    ("2019", "en", None, "year"),
    ("hello", "en", None, "none"),
]

DP_LANG = {"zh_Hans": "zh", "zh_Hant": "zh-Hant"}
DP_ORDER = {"en": "MDY", "fr": "DMY", "de": "DMY", "es": "DMY", "ru": "DMY"}


def ours(text: str, locale: str) -> tuple[date | None, str]:
    result = parse_birth_date(text, locale, today=TODAY)
    if not isinstance(result, BirthDate):
        return None, str(result.value).replace("no_date", "none").replace("year_only", "year")
    return result.value, ASK if result.ambiguous else result.precision


def dateparser_result(parser: object, text: str) -> tuple[date | None, str]:
    data = parser.get_date_data(text)  # type: ignore[attr-defined]
    if data.date_obj is None:
        return None, "none"
    period = data.period or "day"
    value = data.date_obj.date()
    if period == "month":
        value = value.replace(day=1)
    return value, period


def dateparser_search(
    parser: object, text: str, language: str, settings: dict
) -> tuple[date | None, str]:
    from dateparser.search import search_dates

    got = dateparser_result(parser, text)
    if got[0] is not None:
        return got
    found = search_dates(text, languages=[language], settings=settings)
    if not found:
        return None, "none"
    return found[0][1].date(), "day"


def main() -> None:
    import dateparser

    parsers = {}
    all_settings = {}
    for locale in {c[1] for c in CASES}:
        settings = {
            "RELATIVE_BASE": datetime(TODAY.year, TODAY.month, TODAY.day),
            "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["month", "year"],
            "DATE_ORDER": DP_ORDER.get(locale, "YMD"),
        }
        all_settings[locale] = settings
        parsers[locale] = dateparser.DateDataParser(
            languages=[DP_LANG.get(locale, locale)], settings=settings
        )

    def run(name: str, text: str, locale: str) -> tuple[date | None, str]:
        if name == "ours":
            return ours(text, locale)
        if name == "dateparser":
            return dateparser_result(parsers[locale], text)
        language = DP_LANG.get(locale, locale)
        return dateparser_search(parsers[locale], text, language, all_settings[locale])

    names = ("ours", "dateparser", "dp+search")
    for name in names:
        start = time.perf_counter()
        run(name, CASES[0][0], CASES[0][1])
        print(f"first call, {name}: {(time.perf_counter() - start) * 1000:,.0f} ms")
        for text, locale, _expected, _precision in CASES:
            run(name, text, locale)  # warm-up: every language's tables
    scores = {n: [0, 0, 0] for n in names}  # right, wrong, asked-correctly
    timings = dict.fromkeys(names, 0.0)
    misses: dict[str, list[str]] = {n: [] for n in names}
    for text, locale, expected, precision in CASES:
        for name in names:
            start = time.perf_counter()
            got = run(name, text, locale)
            timings[name] += time.perf_counter() - start
            if precision == ASK:
                ok = got == (expected, ASK)
                scores[name][2] += ok
            else:
                # Any refusal is right for a non-date.
                refuse = precision in {"invalid", "year", "none"}
                ok = got[0] is None if refuse else got == (expected, precision)
            scores[name][0 if ok else 1] += 1
            if not ok:
                misses[name].append(f"{locale:7} {text!r:42} → {got[0]} {got[1]}")
    asks = sum(1 for c in CASES if c[3] == ASK)
    print(f"{len(CASES)} cases in 9 locales ({asks} ambiguous: the right answer is to ask)")
    for name in names:
        right, _wrong, asked = scores[name]
        per = timings[name] / len(CASES) * 1e6
        print(
            f"{name:11} right {right}/{len(CASES)} ({right / len(CASES):.0%}), "
            f"asked on ambiguous {asked}/{asks}, {per:,.0f} µs per parse"
        )
    for name in names:
        print(f"\n{name} misses:")
        for line in misses[name] or ["(none)"]:
            print("  " + line)


if __name__ == "__main__":
    main()
