"""/school: from a child's birth date to the stage, the next steps, the documents and help.

What the parent types stays only in this flow's state (the birth date and the chosen
year) and is deleted when the guide ends; the flow says so at the start and the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Literal

from bot.core.payloads import Payload, Range
from bot.core.router import Router
from bot.core.state import FlowData
from bot.core.types import Button, Incoming, Reply
from bot.guided.dates import BirthDate, DateProblem, parse_birth_date, region_of
from bot.guided.format import format_date, format_month
from bot.guided.grades import Stage, place, school_years, year_has_started
from bot.guided.school_text import edge_notes, statement
from bot.handlers.consultations.payloads import StartBooking
from bot.handlers.guided_common import facility_text, finish_buttons
from bot.i18n import _
from bot.i18n.format import SHANGHAI
from bot.knowledge import content
from bot.knowledge.answers import answers_for, without_pointer
from bot.knowledge.directory import LOCALE_LANGUAGE
from bot.services import Ctx

router = Router("schooling")
OLDEST_YEAR = 1900
Preference = Literal["public", "intl", "unsure"]


@dataclass(frozen=True)
class SchoolStart(Payload, prefix="school:start"):
    pass


@dataclass(frozen=True)
class ChooseReading(Payload, prefix="school:dob"):
    """Which of two readings of an ambiguous date (03/05/2019) the parent meant."""

    index: Annotated[int, Range(0, 1)]


@dataclass(frozen=True)
class ChooseYear(Payload, prefix="school:year"):
    year: Annotated[int, Range(2000, 2100)]


@dataclass(frozen=True)
class ChoosePreference(Payload, prefix="school:pref"):
    preference: Preference


@dataclass
class SchoolGuide(FlowData, flow="school"):
    """What the parent typed, kept only until the guide ends."""

    choices: list[date] = field(default_factory=list)  # two readings of an ambiguous date
    birth: date | None = None
    precision: Literal["day", "month"] = "day"
    year: int | None = None
    stage: str | None = None


FLOW = SchoolGuide.flow


def today_for(incoming: Incoming) -> date:
    return incoming.received_at.astimezone(SHANGHAI).date()


@router.command("school")
async def school_command(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    return start(ctx)


@router.payload(SchoolStart)
async def school_button(incoming: Incoming, ctx: Ctx, tap: SchoolStart) -> list[Reply]:
    return start(ctx)


def start(ctx: Ctx) -> list[Reply]:
    ctx.state.enter(SchoolGuide(), "birth")
    example = format_date(date(2019, 5, 3), ctx.locale)
    return [
        Reply(
            _(
                "*School enrolment guide*\n"
                "I'll work out which class your child would join in Shanghai, then show the "
                "next steps and the documents.\n"
                "Privacy: I keep what you type only until this guide ends, then delete it."
            )
        ),
        Reply(
            _("What is your child's date of birth? For example: {example}").format(example=example)
        ),
    ]


# A date of birth in any script ("2019年10月15日" from a Japanese parent) says nothing about
# the parent's language: these steps never switch it.
@router.step(FLOW, "birth", free_input=True)
@router.step(FLOW, "day", free_input=True)
@router.step(FLOW, "confirm", free_input=True)
async def birth_date(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    today = today_for(incoming)
    region = region_of(incoming.language_hint or ctx.user.platform_language)
    parsed = parse_birth_date(incoming.text or "", ctx.locale, today=today, region=region)
    if isinstance(parsed, DateProblem):
        return [Reply(_problem_text(parsed, ctx.locale))]
    if parsed.value.year < OLDEST_YEAR or parsed.value > today:
        return [Reply(_("That date is in the future. Please type your child's date of birth."))]
    guide = SchoolGuide.of(ctx.state) or SchoolGuide()
    if parsed.ambiguous:
        assert parsed.alternative is not None
        guide.choices = [parsed.value, parsed.alternative]
        ctx.state.enter(guide, "confirm")
        return [
            Reply.of(
                _("Which date do you mean?"),
                [
                    Button(format_date(d, ctx.locale), ChooseReading(i).encode())
                    for i, d in enumerate(guide.choices)
                ],
            )
        ]
    if parsed.precision == "month" and parsed.value.month in (8, 9):
        ctx.state.enter(guide, "day")
        return [
            Reply(
                _(
                    "Children born in August and September are right at the 31 August "
                    "cut-off. Please type the exact date of birth."
                )
            )
        ]
    return _accept(ctx, parsed, today)


def birth_date_in(incoming: Incoming, ctx: Ctx) -> BirthDate | None:
    """A child's birth date in a free-text question ("息子は2019年10月15日生まれ…"), if any."""
    today = today_for(incoming)
    region = region_of(incoming.language_hint or ctx.user.platform_language)
    parsed = parse_birth_date(incoming.text or "", ctx.locale, today=today, region=region)
    if isinstance(parsed, DateProblem) or not parsed.value.year >= OLDEST_YEAR:
        return None
    return parsed if parsed.value <= today else None


async def grade_from_question(incoming: Incoming, ctx: Ctx, parsed: BirthDate) -> list[Reply]:
    """The class a child born on the date the resident gave would join, at once: for the
    school year starting next (or running now) and the one after. A date that could be read
    two ways, or a month at the cut-off, goes through the guide's own questions instead."""
    if parsed.ambiguous or (parsed.precision == "month" and parsed.value.month in (8, 9)):
        ctx.state.enter(SchoolGuide(), "birth")
        return await birth_date(incoming, ctx)
    today = today_for(incoming)
    month_only = parsed.precision == "month"
    ctx.state.enter(
        SchoolGuide(birth=parsed.value, precision="month" if month_only else "day"), "year"
    )
    years = school_years(today)
    lines = [statement(place(parsed.value, year), ctx.locale, month_only) for year in years]
    lines += edge_notes(place(parsed.value, years[0]), month_only)
    lines.append(
        _(
            "I keep the date of birth only until you have finished with the school guide, "
            "then delete it."
        )
    )
    buttons = [
        Button(
            _("Next steps for the year starting {start}").format(
                start=format_month(date(year, 9, 1), ctx.locale)
            ),
            ChooseYear(year).encode(),
        )
        for year in years
    ]
    buttons.append(Button(_("Book a consultation"), StartBooking("school").encode()))
    return [Reply.of("\n\n".join(lines), buttons)]


@router.payload(ChooseReading)
async def choose_reading(incoming: Incoming, ctx: Ctx, tap: ChooseReading) -> list[Reply]:
    guide = SchoolGuide.of(ctx.state)
    if guide is None or len(guide.choices) <= tap.index:
        return _expired(ctx)
    return _accept(ctx, BirthDate(guide.choices[tap.index]), today_for(incoming))


def _accept(ctx: Ctx, parsed: BirthDate, today: date) -> list[Reply]:
    precision: Literal["day", "month"] = "month" if parsed.precision == "month" else "day"
    ctx.state.enter(SchoolGuide(birth=parsed.value, precision=precision), "year")
    shown = (
        format_month(parsed.value, ctx.locale)
        if parsed.precision == "month"
        else format_date(parsed.value, ctx.locale)
    )
    buttons = []
    for year in school_years(today):
        start = format_month(date(year, 9, 1), ctx.locale)
        label = (
            _("The current school year (since {start})")
            if year_has_started(year, today)
            else _("The school year starting {start}")
        )
        buttons.append(Button(label.format(start=start), ChooseYear(year).encode()))
    return [
        Reply.of(
            _("Born {date}. Which school year are you asking about?").format(date=shown),
            buttons,
        )
    ]


@router.payload(ChooseYear)
async def choose_year(incoming: Incoming, ctx: Ctx, tap: ChooseYear) -> list[Reply]:
    guide = SchoolGuide.of(ctx.state)
    if guide is None or guide.birth is None or tap.year not in school_years(today_for(incoming)):
        return _expired(ctx)
    placement = place(guide.birth, tap.year)
    month_only = guide.precision == "month"
    lines = [statement(placement, ctx.locale, month_only), *edge_notes(placement, month_only)]
    if placement.stage in {Stage.ADULT, Stage.NOT_BORN}:
        ctx.state.clear()
        return [Reply("\n\n".join(lines)), _goodbye(ctx)]
    guide.year, guide.stage = tap.year, placement.stage.value
    ctx.state.enter(guide, "preference")
    return [
        Reply("\n\n".join(lines)),
        _preference_question(),
    ]


def _preference_question() -> Reply:
    return Reply.of(
        _("Which kind of school are you thinking of?"),
        [
            Button(_("Public school"), ChoosePreference("public").encode()),
            Button(_("International school"), ChoosePreference("intl").encode()),
            Button(_("Not sure yet"), ChoosePreference("unsure").encode()),
        ],
    )


def resume(incoming: Incoming, ctx: Ctx) -> list[Reply]:
    """The guide's current question again (after small talk at a step that waits for a tap),
    so its buttons — and WeChat's numbers — are right there."""
    guide = SchoolGuide.of(ctx.state)
    if guide is None:
        return []
    if ctx.state.step == "year" and guide.birth is not None:
        birth = BirthDate(guide.birth, guide.precision)
        return _accept(ctx, birth, today_for(incoming))
    if ctx.state.step == "preference":
        return [_preference_question()]
    return []


@router.payload(ChoosePreference)
async def choose_preference(incoming: Incoming, ctx: Ctx, tap: ChoosePreference) -> list[Reply]:
    guide = SchoolGuide.of(ctx.state)
    stage = guide.stage if guide is not None else None
    pref = tap.preference
    if stage is None:
        return _expired(ctx)
    answers = answers_for(ctx.services)
    young = stage in {Stage.NURSERY.value, Stage.KINDERGARTEN.value}
    topics = {
        "public": ["school.kindergarten" if young else "school.public-application"],
        "intl": ["school.international-schools"],
        "unsure": ["school.kindergarten" if young else "school.public-eligibility",
                   "school.international-schools"],
    }[pref] + ["school.documents"]  # fmt: skip
    # Inside the guide, "type /school to start the guide" would send them where they are.
    replies = [
        Reply(without_pointer(text, "/school"))
        for t in topics
        if (text := answers.answer(t, ctx.locale))
    ]
    if pref in {"intl", "unsure"}:
        replies.extend(_schools(ctx, stage))
    ctx.state.clear()
    return [*replies, _goodbye(ctx)]


def _schools(ctx: Ctx, stage: str) -> list[Reply]:
    path = content.schools_directory_path(ctx.services.settings.faq_dir)
    language = LOCALE_LANGUAGE.get(ctx.locale)
    found = content.directory(path, "schools").matching(stage, language)
    if not found:
        return []
    listing = "\n\n".join(facility_text(e, ctx.locale) for e in found)
    intro = _(
        "Schools for children of foreign nationals that teach this stage, from our staff's "
        "directory (a list, not a ranking):"
    )
    return [Reply(intro + "\n\n" + listing)]


def _goodbye(ctx: Ctx) -> Reply:
    return Reply.of(
        _(
            "I've now deleted the birth date you gave me. Our staff can go through the "
            "application and the documents with you in a one-to-one consultation."
        ),
        finish_buttons("school"),
    )


def _expired(ctx: Ctx) -> list[Reply]:
    return [Reply(_("That step has expired, so let's start again.")), *start(ctx)]


def _problem_text(problem: DateProblem, locale: str) -> str:
    example = format_date(date(2019, 5, 3), locale)
    if problem is DateProblem.YEAR_ONLY:
        return _("Please add at least the month, for example: {example}").format(example=example)
    if problem is DateProblem.INVALID:
        return _("That date doesn't exist. Please check it, for example: {example}").format(
            example=example
        )
    return _(
        "I couldn't find a date in that. Please type the date of birth, for example: {example}"
    ).format(example=example)
