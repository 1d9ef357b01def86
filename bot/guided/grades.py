"""Which school stage a child enters, by Shanghai's rule: age on 31 August decides.

Rules (shared/spec/faq-topics.yaml, school.age-and-grade): primary grade 1 admits
children who are 6 by 31 August of the year of entry; kindergarten admits children who
are 3 by then (small, middle, large class at 3, 4, 5); 5 years of primary, 4 of junior
secondary (grades 6–9), 3 of senior secondary (grades 10–12). Under 3: nursery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

CUTOFF_MONTH, CUTOFF_DAY = 8, 31
SCHOOL_YEAR_START_MONTH = 9


class Stage(StrEnum):
    NOT_BORN = "not_born"  # would not yet be born on the cut-off day
    NURSERY = "nursery"
    KINDERGARTEN = "kindergarten"
    PRIMARY = "primary"
    JUNIOR = "junior"  # junior secondary, grades 6–9
    SENIOR = "senior"  # senior secondary, grades 10–12
    ADULT = "adult"  # 18 or older on the cut-off day: past school age


@dataclass(frozen=True)
class Placement:
    """Where a child born on `birth` belongs in the school year starting September `year`."""

    birth: date
    year: int
    age: int  # completed years on 31 August of `year`
    stage: Stage
    grade: int | None = None  # 1–12 for primary and secondary
    kindergarten_class: int | None = None  # 1 small, 2 middle, 3 large

    @property
    def cutoff(self) -> date:
        return date(self.year, CUTOFF_MONTH, CUTOFF_DAY)


def age_on(birth: date, day: date) -> int:
    """Completed years on `day`; a 29 February birthday counts as reached on 1 March.

    Comparing (month, day) tuples gives that for free: (2, 29) > (2, 28) in a common year.
    """
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years


def place(birth: date, year: int) -> Placement:
    """The stage and grade for the school year that starts in September of `year`."""
    cutoff = date(year, CUTOFF_MONTH, CUTOFF_DAY)
    if birth > cutoff:
        return Placement(birth, year, -1, Stage.NOT_BORN)
    age = age_on(birth, cutoff)
    if age < 3:
        return Placement(birth, year, age, Stage.NURSERY)
    if age <= 5:
        return Placement(birth, year, age, Stage.KINDERGARTEN, kindergarten_class=age - 2)
    if age >= 18:
        return Placement(birth, year, age, Stage.ADULT)
    grade = age - 5
    stage = Stage.PRIMARY if grade <= 5 else Stage.JUNIOR if grade <= 9 else Stage.SENIOR
    return Placement(birth, year, age, stage, grade=grade)


def school_years(today: date) -> tuple[int, int]:
    """The two school years a parent can ask about on `today`.

    Before September: the one starting this September and the next. From September on,
    the one already running (for a move mid-year) and the one starting next September.
    """
    return today.year, today.year + 1


def year_has_started(year: int, today: date) -> bool:
    return today >= date(year, SCHOOL_YEAR_START_MONTH, 1)
