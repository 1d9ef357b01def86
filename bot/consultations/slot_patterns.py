"""Turning staff input into slot times: dates, times, weekly patterns, and the holidays file.

Public holidays and make-up working days (调休) in China are announced by the State Council
each year, so they are data: data/holidays/cn-YYYY.yaml, generated from the `holidays` package
by `linzhu slots holidays --year YYYY` (or written by hand in the same format).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from bot.config import PROJECT_ROOT

HOLIDAYS_DIR = PROJECT_ROOT / "data" / "holidays"
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class PatternError(ValueError):
    """Input a staff member typed that cannot be used; the message says what to fix."""


def parse_date(value: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PatternError(f"The {what} {value!r} is not a date like 2026-03-17.") from None


def parse_time(value: str, what: str = "time") -> time:
    try:
        parsed = time.fromisoformat(value.strip())
    except ValueError:
        raise PatternError(f"The {what} {value!r} is not a time like 14:00.") from None
    return parsed.replace(second=0, microsecond=0)


def parse_days(value: str) -> set[int]:
    days = set()
    for part in filter(None, (p.strip().lower()[:3] for p in value.split(","))):
        if part not in WEEKDAYS:
            raise PatternError(f"Unknown weekday {part!r}: use mon,tue,wed,thu,fri,sat,sun.")
        days.add(WEEKDAYS[part])
    if not days:
        raise PatternError("Give at least one weekday, for example --days tue,thu.")
    return days


@dataclass
class Calendar:
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)  # make-up working days


def holidays_path(year: int, directory: Path = HOLIDAYS_DIR) -> Path:
    return directory / f"cn-{year}.yaml"


def load_holidays(path: Path) -> Calendar:
    """Read one holidays file; every problem is reported with the file name."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PatternError(f"{path}: cannot read holidays file: {exc}") from None
    calendar = Calendar()
    for key, target in (("holidays", calendar.holidays), ("workdays", calendar.workdays)):
        entries = data.get(key) or []
        if not isinstance(entries, list):
            raise PatternError(f"{path}: {key} must be a list of {{date, name}} entries")
        for n, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict) or "date" not in entry:
                raise PatternError(f"{path}: {key} entry {n} needs a date")
            day = entry["date"]
            if not isinstance(day, date):
                day = parse_date(str(day), f"{key} entry {n} date in {path}")
            target[day] = str(entry.get("name", ""))
    return calendar


def calendar_for(start: date, end: date, files: list[Path] | None) -> Calendar:
    """The holidays of every year in the range: the given files, or data/holidays/cn-YYYY.yaml."""
    calendar = Calendar()
    paths = files or [holidays_path(year) for year in range(start.year, end.year + 1)]
    for path in paths:
        if not path.exists():
            raise PatternError(
                f"No holidays file {path}. Generate it with `linzhu slots holidays --year "
                f"{path.stem.split('-')[-1]}`, write it by hand, or pass --no-holidays."
            )
        loaded = load_holidays(path)
        calendar.holidays.update(loaded.holidays)
        calendar.workdays.update(loaded.workdays)
    return calendar


def slot_times(
    dates: list[date],
    start: time,
    end: time,
    length: timedelta | None,
    tz: ZoneInfo,
) -> list[tuple[datetime, datetime]]:
    """Slots on each date from `start` to `end` (local time), cut into `length` pieces."""
    if end <= start:
        raise PatternError(f"The end time {end:%H:%M} is not after the start time {start:%H:%M}.")
    times = []
    for day in dates:
        begin = datetime.combine(day, start, tzinfo=tz)
        finish = datetime.combine(day, end, tzinfo=tz)
        step = length or (finish - begin)
        if step <= timedelta(0):
            raise PatternError("The slot length must be positive.")
        at = begin
        while at + step <= finish:
            times.append((at, at + step))
            at += step
        if at == begin:
            raise PatternError(f"A {step} slot does not fit between {start:%H:%M} and {end:%H:%M}.")
    return times


def pattern_dates(
    first: date,
    last: date,
    weekdays: set[int],
    calendar: Calendar,
    include_workdays: bool = False,
) -> tuple[list[date], list[tuple[date, str]]]:
    """Dates in [first, last] on the weekdays given, minus holidays; and what was skipped."""
    if last < first:
        raise PatternError(f"The range ends ({last}) before it starts ({first}).")
    dates, skipped = [], []
    day = first
    while day <= last:
        wanted = day.weekday() in weekdays or (include_workdays and day in calendar.workdays)
        if wanted and day in calendar.holidays:
            skipped.append((day, calendar.holidays[day]))
        elif wanted:
            dates.append(day)
        day += timedelta(days=1)
    return dates, skipped


def generate_china_holidays(year: int) -> str:
    """The holidays file for one year from the `holidays` package's data for China."""
    import holidays as holidays_pkg

    cn = holidays_pkg.country_holidays("CN", years=year)
    entries = sorted(cn.items())
    if not entries:
        raise PatternError(f"The holidays package has no data for China in {year}.")
    workdays = sorted(d for d in getattr(cn, "weekend_workdays", set()) if d.year == year)
    lines = [
        f"# China: public holidays and make-up working days (调休) for {year}.",
        f"# Generated by `linzhu slots holidays --year {year}` from the holidays package "
        f"{holidays_pkg.__version__},",
        "# which follows the State Council's annual notice. Check it against the notice and",
        "# edit by hand if needed: slots are never published on the dates under `holidays`.",
        "country: CN",
        f"year: {year}",
        "holidays:",
        *[
            f"  - {{date: {d.isoformat()}, name: {json.dumps(n, ensure_ascii=False)}}}"
            for d, n in entries
        ],
        "# Weekend days that are working days; `linzhu slots add --include-makeup-workdays`",
        "# publishes the pattern's times on them too.",
        "workdays:",
        *[f"  - {{date: {d.isoformat()}, name: Make-up working day}}" for d in workdays],
    ]
    if not workdays:
        lines[-1:] = [
            f"# No make-up working days known for {year}: the State Council's notice may not be",
            "# out yet (it usually comes in November of the year before), in which case the",
            "# holidays above are the package's estimate. Regenerate once it is published.",
            "workdays: []",
        ]
    return "\n".join(lines) + "\n"
