"""The stage rule as a table: age on 31 August of the year of entry decides."""

from datetime import date

import pytest

from bot.guided.grades import Stage, age_on, place, school_years, year_has_started

CASES = [
    # birth, school year, stage, grade, kindergarten class, age on 31 August
    (date(2021, 5, 10), 2027, Stage.PRIMARY, 1, None, 6),  # the example
    (date(2021, 8, 31), 2027, Stage.PRIMARY, 1, None, 6),  # born on the cut-off day: in
    (date(2021, 9, 1), 2027, Stage.KINDERGARTEN, None, 3, 5),  # a day later: a year later
    (date(2021, 9, 1), 2028, Stage.PRIMARY, 1, None, 6),
    (date(2020, 2, 29), 2026, Stage.PRIMARY, 1, None, 6),  # leap day, common-year cut-off
    (date(2020, 2, 29), 2024, Stage.KINDERGARTEN, None, 2, 4),  # leap day, leap-year cut-off
    (date(2023, 8, 31), 2026, Stage.KINDERGARTEN, None, 1, 3),  # small class at 3
    (date(2022, 1, 1), 2026, Stage.KINDERGARTEN, None, 2, 4),  # middle class at 4
    (date(2021, 1, 1), 2026, Stage.KINDERGARTEN, None, 3, 5),  # large class at 5
    (date(2023, 9, 1), 2026, Stage.NURSERY, None, None, 2),  # just too young for kindergarten
    (date(2026, 3, 1), 2026, Stage.NURSERY, None, None, 0),  # a baby
    (date(2026, 8, 31), 2026, Stage.NURSERY, None, None, 0),  # born on the cut-off day itself
    (date(2026, 9, 1), 2026, Stage.NOT_BORN, None, None, -1),  # born after the cut-off
    (date(2016, 6, 1), 2026, Stage.PRIMARY, 5, None, 10),  # last primary year
    (date(2015, 6, 1), 2026, Stage.JUNIOR, 6, None, 11),  # first junior secondary year
    (date(2012, 6, 1), 2026, Stage.JUNIOR, 9, None, 14),  # last junior secondary year
    (date(2011, 6, 1), 2026, Stage.SENIOR, 10, None, 15),
    (date(2009, 6, 1), 2026, Stage.SENIOR, 12, None, 17),  # last school year
    (date(2008, 8, 31), 2026, Stage.ADULT, None, None, 18),  # 18 on the cut-off day
    (date(2008, 9, 1), 2026, Stage.SENIOR, 12, None, 17),  # 18 a day after: still grade 12
    (date(1990, 1, 1), 2026, Stage.ADULT, None, None, 36),
]


@pytest.mark.parametrize(("birth", "year", "stage", "grade", "k_class", "age"), CASES)
def test_placement_table(
    birth: date, year: int, stage: Stage, grade: int | None, k_class: int | None, age: int
) -> None:
    placement = place(birth, year)
    assert (placement.stage, placement.grade, placement.kindergarten_class, placement.age) == (
        stage,
        grade,
        k_class,
        age,
    )


def test_every_age_from_0_to_18_has_exactly_one_stage() -> None:
    seen = [place(date(2026 - age, 1, 15), 2026) for age in range(19)]
    assert [p.age for p in seen] == list(range(19))
    grades = [p.grade for p in seen if p.grade is not None]
    assert grades == list(range(1, 13))  # grades 1–12, each once, in order


def test_leap_day_birthday_is_reached_on_1_march() -> None:
    assert age_on(date(2020, 2, 29), date(2021, 2, 28)) == 0
    assert age_on(date(2020, 2, 29), date(2021, 3, 1)) == 1
    assert age_on(date(2020, 2, 29), date(2024, 2, 29)) == 4


def test_school_years_offered() -> None:
    assert school_years(date(2026, 5, 1)) == (2026, 2027)
    assert not year_has_started(2026, date(2026, 8, 31))
    assert year_has_started(2026, date(2026, 9, 1))
    assert school_years(date(2026, 11, 28)) == (2026, 2027)
