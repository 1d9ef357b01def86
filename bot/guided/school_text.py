"""How a placement is said to a parent: the plain sentence, in their locale."""

from __future__ import annotations

from datetime import date

from bot.guided.format import format_date, format_month
from bot.guided.grades import Placement, Stage
from bot.i18n import _

_CN_GRADES = "一二三四五六七八九"
_CN_K = {1: "小班", 2: "中班", 3: "大班"}


def chinese_stage(p: Placement) -> str:
    """The stage as Chinese schools write it, for the parent to show at a school."""
    if p.stage is Stage.KINDERGARTEN and p.kindergarten_class:
        return f"幼儿园{_CN_K[p.kindergarten_class]}"
    if p.stage is Stage.NURSERY:
        return "托班"
    if p.grade is None:
        return ""
    if p.stage is Stage.PRIMARY:
        return f"小学{_CN_GRADES[p.grade - 1]}年级"
    if p.stage is Stage.JUNIOR:
        return f"初中{_CN_GRADES[p.grade - 1]}年级"
    return f"高{_CN_GRADES[p.grade - 10]}"


def stage_name(p: Placement) -> str:
    if p.stage is Stage.KINDERGARTEN:
        return {
            1: _("Kindergarten, small class"),
            2: _("Kindergarten, middle class"),
            3: _("Kindergarten, large class"),
        }[p.kindergarten_class or 1]
    if p.stage is Stage.PRIMARY:
        return _("Primary grade {grade}").format(grade=p.grade)
    if p.stage is Stage.JUNIOR:
        return _("Junior secondary grade {grade}").format(grade=p.grade)
    if p.stage is Stage.SENIOR:
        return _("Senior secondary grade {grade}").format(grade=p.grade)
    return _("Nursery (toddler class)")


def statement(p: Placement, locale: str, month_only: bool) -> str:
    """ "For the school year starting September 2027, a child born … would enter …"."""
    start = format_month(date(p.year, 9, 1), locale)
    born = format_month(p.birth, locale) if month_only else format_date(p.birth, locale)
    cutoff = format_date(p.cutoff, locale)
    if p.stage is Stage.NOT_BORN:
        return _(
            "A child born {born} is not yet born on {cutoff}, the cut-off date for the school "
            "year starting {start}. Choose the following school year instead."
        ).format(born=born, cutoff=cutoff, start=start)
    if p.stage is Stage.ADULT:
        return _(
            "A child born {born} is {age} on {cutoff}: past school age in Shanghai's system "
            "(senior secondary ends with grade 12). For university or adult education, our "
            "staff can point you in the right direction."
        ).format(born=born, age=p.age, cutoff=cutoff)
    text = _(
        "For the school year starting {start}, a child born {born} would enter *{stage}* "
        "({chinese}). Age on {cutoff}: {age}."
    ).format(
        start=start,
        born=born,
        stage=stage_name(p),
        chinese=chinese_stage(p),
        cutoff=cutoff,
        age=p.age,
    )
    if p.stage is Stage.NURSERY:
        text += "\n" + _("Kindergarten normally admits children who are 3 by 31 August.")
    return text


def edge_notes(p: Placement, month_only: bool) -> list[str]:
    notes = []
    if not month_only and (p.birth.month, p.birth.day) in {(8, 31), (9, 1)}:
        notes.append(
            _(
                "Born right at the cut-off: one day decides the year group, so schools check "
                "the birth certificate closely."
            )
        )
    if p.stage in {Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR, Stage.KINDERGARTEN}:
        notes.append(
            _(
                "This is the public-school rule. International and national schools may use "
                "their own cut-off dates and class names (Year 1, Grade 1…): ask the school."
            )
        )
    return notes
