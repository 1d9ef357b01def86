"""Staffed hours: when a person can answer, in the centre's time zone.

A weekly pattern (`HANDOFF_HOURS`, e.g. "mon-fri 09:00-12:00,13:30-17:30; sat 09:00-12:00")
minus the public holidays of the holidays file the consultations use
(data/holidays/cn-YYYY.yaml); a make-up working day (调休) on a weekend keeps Monday's hours.
A year without a holidays file counts no holidays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.consultations.slot_patterns import (
    HOLIDAYS_DIR,
    WEEKDAYS,
    Calendar,
    PatternError,
    holidays_path,
    load_holidays,
)

log = logging.getLogger(__name__)
Span = tuple[time, time]
LOOKAHEAD_DAYS = 60


def parse_hours(text: str) -> dict[int, list[Span]]:
    """ "mon-fri 09:00-17:00; sat 09:00-12:00" → {weekday: [(start, end), …]}."""
    week: dict[int, list[Span]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        days_text, _, spans_text = part.partition(" ")
        days = _days(days_text.strip().lower())
        spans: list[Span] = []
        for span in filter(None, (s.strip() for s in spans_text.split(","))):
            start_text, dash, end_text = span.partition("-")
            try:
                start, end = (
                    time.fromisoformat(start_text.strip()),
                    time.fromisoformat(end_text.strip()),
                )
            except ValueError:
                raise PatternError(f"{span!r} is not a time range like 09:00-17:00") from None
            if not dash or end <= start:
                raise PatternError(f"{span!r}: the end must come after the start")
            spans.append((start, end))
        if not spans:
            raise PatternError(f"{part!r}: give the hours, like 'mon-fri 09:00-17:00'")
        for day in days:
            week.setdefault(day, []).extend(spans)
    for spans in week.values():
        spans.sort()
    return week


def _days(text: str) -> list[int]:
    days: list[int] = []
    for piece in filter(None, text.split(",")):
        first, dash, last = piece.partition("-")
        if first not in WEEKDAYS or (dash and last not in WEEKDAYS):
            raise PatternError(f"unknown weekday in {piece!r}: use mon, tue, … sun")
        a = WEEKDAYS[first]
        b = WEEKDAYS[last] if dash else a
        days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return days


@dataclass
class StaffedHours:
    week: dict[int, list[Span]]
    timezone: str = "Asia/Shanghai"
    holidays_dir: Path = HOLIDAYS_DIR
    _calendars: dict[int, Calendar] = field(default_factory=dict, repr=False)

    @classmethod
    def parse(
        cls, text: str, timezone: str = "Asia/Shanghai", holidays_dir: Path = HOLIDAYS_DIR
    ) -> StaffedHours:
        return cls(parse_hours(text), timezone, holidays_dir)

    def _calendar(self, year: int) -> Calendar:
        if year not in self._calendars:
            path = holidays_path(year, self.holidays_dir)
            try:
                self._calendars[year] = load_holidays(path) if path.exists() else Calendar()
            except PatternError:
                log.warning("staffed hours: %s unreadable; no holidays counted", path)
                self._calendars[year] = Calendar()
        return self._calendars[year]

    def spans_on(self, day: date) -> list[Span]:
        calendar = self._calendar(day.year)
        if day in calendar.holidays:
            return []
        if day in calendar.workdays and not self.week.get(day.weekday()):
            return self.week.get(0, [])
        return self.week.get(day.weekday(), [])

    def is_staffed(self, when: datetime) -> bool:
        local = when.astimezone(ZoneInfo(self.timezone))
        now = local.time()
        return any(start <= now < end for start, end in self.spans_on(local.date()))

    def next_opening(self, when: datetime) -> datetime | None:
        """The next time staff are in (an aware datetime in the centre's zone); None when the
        pattern has no hours in the next two months."""
        zone = ZoneInfo(self.timezone)
        local = when.astimezone(zone)
        for offset in range(LOOKAHEAD_DAYS):
            day = local.date() + timedelta(days=offset)
            for start, _end in self.spans_on(day):
                at = datetime.combine(day, start, tzinfo=zone)
                if at > local:
                    return at
        return None
