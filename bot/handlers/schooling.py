"""/school: from a child's birth date to the stage, the next steps, the documents and help.

What the parent types stays only in this flow's state (the birth date and the chosen
year) and is deleted when the guide ends; the flow says so at the start and the end.
"""

from __future__ import annotations

from datetime import date

from bot.core.context import Context
from bot.core.router import Router
from bot.core.types import Button, Incoming, Reply
from bot.guided import content
from bot.guided.dates import BirthDate, DateProblem, parse_birth_date, region_of
from bot.guided.directory import LOCALE_LANGUAGE
from bot.guided.format import format_date, format_month
from bot.guided.grades import Stage, place, school_years, year_has_started
from bot.guided.knowledge import answers_for
from bot.guided.school_text import edge_notes, statement
from bot.handlers.guided_common import facility_text, finish_buttons
from bot.i18n import _
from bot.i18n.format import SHANGHAI

router = Router("schooling")
FLOW = "school"
OLDEST_YEAR = 1900


def today_for(incoming: Incoming) -> date:
    return incoming.received_at.astimezone(SHANGHAI).date()


@router.command("school")
@router.payload("school:start")
async def start(incoming: Incoming, ctx: Context) -> list[Reply]:
    ctx.state.start(FLOW, "birth")
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


@router.step(FLOW, "birth")
@router.step(FLOW, "day")
@router.step(FLOW, "confirm")
async def birth_date(incoming: Incoming, ctx: Context) -> list[Reply]:
    today = today_for(incoming)
    region = region_of(incoming.language_hint or ctx.user.platform_language)
    parsed = parse_birth_date(incoming.text or "", ctx.locale, today=today, region=region)
    if isinstance(parsed, DateProblem):
        return [Reply(_problem_text(parsed, ctx.locale))]
    if parsed.value.year < OLDEST_YEAR or parsed.value > today:
        return [Reply(_("That date is in the future. Please type your child's date of birth."))]
    if parsed.ambiguous:
        assert parsed.alternative is not None
        choices = [parsed.value, parsed.alternative]
        ctx.state.goto("confirm", choices=[d.isoformat() for d in choices])
        return [
            Reply.of(
                _("Which date do you mean?"),
                [
                    Button(format_date(d, ctx.locale), f"school:dob:{i}")
                    for i, d in enumerate(choices)
                ],
            )
        ]
    if parsed.precision == "month" and parsed.value.month in (8, 9):
        ctx.state.goto("day")
        return [
            Reply(
                _(
                    "Children born in August and September are right at the 31 August "
                    "cut-off. Please type the exact date of birth."
                )
            )
        ]
    return _accept(ctx, parsed, today)


@router.payload("school:dob")
async def choose_reading(incoming: Incoming, ctx: Context) -> list[Reply]:
    choices = ctx.state.data.get("choices") if ctx.state.flow == FLOW else None
    index = (incoming.payload or "").rsplit(":", 1)[-1]
    if not choices or index not in {"0", "1"}:
        return await _expired(incoming, ctx)
    chosen = date.fromisoformat(choices[int(index)])
    ctx.state.data.pop("choices", None)
    return _accept(ctx, BirthDate(chosen), today_for(incoming))


def _accept(ctx: Context, parsed: BirthDate, today: date) -> list[Reply]:
    ctx.state.goto("year", birth=parsed.value.isoformat(), precision=parsed.precision)
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
        buttons.append(Button(label.format(start=start), f"school:year:{year}"))
    return [
        Reply.of(
            _("Born {date}. Which school year are you asking about?").format(date=shown),
            buttons,
        )
    ]


@router.payload("school:year")
async def choose_year(incoming: Incoming, ctx: Context) -> list[Reply]:
    raw = (incoming.payload or "").rsplit(":", 1)[-1]
    if ctx.state.flow != FLOW or "birth" not in ctx.state.data or not raw.isdigit():
        return await _expired(incoming, ctx)
    today = today_for(incoming)
    year = int(raw)
    if year not in school_years(today):
        return await _expired(incoming, ctx)
    placement = place(date.fromisoformat(ctx.state.data["birth"]), year)
    month_only = ctx.state.data.get("precision") == "month"
    lines = [statement(placement, ctx.locale, month_only), *edge_notes(placement, month_only)]
    if placement.stage in {Stage.ADULT, Stage.NOT_BORN}:
        ctx.state.clear()
        return [Reply("\n\n".join(lines)), _goodbye(ctx)]
    ctx.state.goto("preference", year=year, stage=placement.stage.value)
    return [
        Reply("\n\n".join(lines)),
        Reply.of(
            _("Which kind of school are you thinking of?"),
            [
                Button(_("Public school"), "school:pref:public"),
                Button(_("International school"), "school:pref:intl"),
                Button(_("Not sure yet"), "school:pref:unsure"),
            ],
        ),
    ]


@router.payload("school:pref")
async def choose_preference(incoming: Incoming, ctx: Context) -> list[Reply]:
    pref = (incoming.payload or "").rsplit(":", 1)[-1]
    stage = ctx.state.data.get("stage") if ctx.state.flow == FLOW else None
    if stage is None or pref not in {"public", "intl", "unsure"}:
        return await _expired(incoming, ctx)
    answers = answers_for(ctx.services)
    young = stage in {Stage.NURSERY.value, Stage.KINDERGARTEN.value}
    topics = {
        "public": ["school.kindergarten" if young else "school.public-application"],
        "intl": ["school.international-schools"],
        "unsure": ["school.kindergarten" if young else "school.public-eligibility",
                   "school.international-schools"],
    }[pref] + ["school.documents"]  # fmt: skip
    replies = [Reply(text) for t in topics if (text := answers.answer(t, ctx.locale))]
    if pref in {"intl", "unsure"}:
        replies.extend(_schools(ctx, stage))
    ctx.state.clear()
    return [*replies, _goodbye(ctx)]


def _schools(ctx: Context, stage: str) -> list[Reply]:
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


def _goodbye(ctx: Context) -> Reply:
    return Reply.of(
        _(
            "I've now deleted the birth date you gave me. Our staff can go through the "
            "application and the documents with you in a one-to-one consultation."
        ),
        finish_buttons("school"),
    )


async def _expired(incoming: Incoming, ctx: Context) -> list[Reply]:
    replies = await start(incoming, ctx)
    return [Reply(_("That step has expired, so let's start again.")), *replies]


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
