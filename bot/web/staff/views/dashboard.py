"""Dashboard: the centre's activity as charts, each with a date range and a CSV download.

Messages by channel and language, top topics and the unanswered rate come from the daily
message counts; the rest from the tables the chat writes (activity log, bookings, events,
outbox, questions, feedback).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from aiohttp import web

from bot.i18n.format import to_shanghai
from bot.i18n.locales import NATIVE_NAMES
from bot.store.events.tables import localized
from bot.store.staff.stats import DashboardStats
from bot.web.staff import dates
from bot.web.staff.charts import Chart
from bot.web.staff.core import DESK_UP, Staff, page
from bot.web.staff.formatting import CHANNELS, STATUSES, TOPICS, fmt_short_day, label
from bot.web.staff.i18n import console_locale, t
from bot.web.staff.views.common import csv_response

MAX_DAYS = 366


class Range:
    def __init__(self, first: date, last: date) -> None:
        self.first, self.last = first, last
        self.start, self.end = dates.start_of(first), dates.start_of(last + timedelta(days=1))

    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]

    def weeks(self) -> list[date]:
        first = dates.monday(self.first)
        return [first + timedelta(weeks=i) for i in range((self.last - first).days // 7 + 1)]


def _range(request: web.Request) -> Range:
    last = dates.parse_day(request.query.get("to"))
    first = dates.parse_day(request.query.get("from"), last - timedelta(days=29))
    if first > last:
        first, last = last, first
    first = max(first, last - timedelta(days=MAX_DAYS))
    return Range(first, last)


def _day(at: datetime) -> date:
    return to_shanghai(at).date()


def _by_day(r: Range, items: list[tuple[date, str]], order: list[str] | None = None) -> Chart:
    days = r.days()
    counts: dict[str, Counter[date]] = defaultdict(Counter)
    for day, key in items:
        counts[key][day] += 1
    names = order or sorted(counts, key=lambda k: -sum(counts[k].values()))
    chart = Chart("", "", [fmt_short_day(d) for d in days])
    chart.series = {name: [float(counts[name][d]) for d in days] for name in names if name}
    return chart


def _top(counter: Counter[str], keep: int = 7) -> list[str]:
    top = [k for k, _n in counter.most_common(keep)]
    return top


async def messages_by_channel(stats: DashboardStats, r: Range) -> Chart:
    rows = await stats.messages(r.first, r.last)
    days = r.days()
    per: dict[str, Counter[date]] = defaultdict(Counter)
    for row in rows:
        per[label(CHANNELS, row.channel)][row.day] += row.count
    chart = Chart("messages", t("Messages per day by channel"), [fmt_short_day(d) for d in days])
    chart.series = {name: [float(c[d]) for d in days] for name, c in sorted(per.items())}
    return chart


async def messages_by_language(stats: DashboardStats, r: Range) -> Chart:
    rows = await stats.messages(r.first, r.last)
    days = r.days()
    per: dict[str, Counter[date]] = defaultdict(Counter)
    for row in rows:
        per[NATIVE_NAMES.get(row.locale, row.locale)][row.day] += row.count
    chart = Chart("languages", t("Messages per day by language"), [fmt_short_day(d) for d in days])
    ordered = sorted(per.items(), key=lambda kv: -sum(kv[1].values()))
    chart.series = {name: [float(c[d]) for d in days] for name, c in ordered}
    return chart


async def top_topics(stats: DashboardStats, r: Range) -> Chart:
    counts: Counter[str] = Counter()
    for row in await stats.messages(r.first, r.last):
        if row.topic:
            counts[row.topic] += row.count
    top = counts.most_common(12)
    chart = Chart("topics", t("Top topics answered"), [k for k, _n in top], kind="hbar")
    chart.series = {t("Answers"): [float(n) for _k, n in top]}
    return chart


async def unanswered_rate(stats: DashboardStats, r: Range) -> Chart:
    answered: Counter[date] = Counter()
    for row in await stats.messages(r.first, r.last):
        if row.topic:
            answered[row.day] += row.count
    missed = Counter(_day(at) for at in await stats.unanswered(r.start, r.end))
    days = r.days()
    rate = [
        100.0 * missed[d] / (missed[d] + answered[d]) if missed[d] + answered[d] else 0.0
        for d in days
    ]
    chart = Chart(
        "unanswered",
        t("Unanswered rate (of questions for the FAQ)"),
        [fmt_short_day(d) for d in days],
        unit="%",
    )
    chart.series = {t("Unanswered"): rate}
    chart.note = t("%(missed)d unanswered, %(answered)d answered in this range") % {
        "missed": sum(missed.values()),
        "answered": sum(answered.values()),
    }
    return chart


async def emergencies(stats: DashboardStats, r: Range) -> Chart:
    rows = await stats.emergencies(r.start, r.end)
    terms = Counter(term for _at, term in rows)
    keep = set(_top(terms, 6))
    other = t("other")
    chart = _by_day(r, [(_day(at), term if term in keep else other) for at, term in rows])
    chart.key, chart.title = "emergencies", t("Emergency guard firings by phrase")
    return chart


def _week_label(day: date) -> str:
    return fmt_short_day(day)


async def bookings_by(stats: DashboardStats, r: Range, what: str) -> Chart:
    rows = [row for row in await stats.bookings(r.start, r.end) if row[3] != "cancelled"]
    weeks = r.weeks()
    per: dict[str, Counter[date]] = defaultdict(Counter)
    for starts_at, topic, language, _status in rows:
        key = label(TOPICS, topic) if what == "topic" else NATIVE_NAMES.get(language, language)
        per[key][dates.monday(_day(starts_at))] += 1
    title = (
        t("Bookings per week by topic") if what == "topic" else t("Bookings per week by language")
    )
    chart = Chart(f"bookings-{what}", title, [_week_label(w) for w in weeks])
    chart.series = {name: [float(c[w]) for w in weeks] for name, c in sorted(per.items())}
    return chart


async def no_shows(stats: DashboardStats, r: Range) -> Chart:
    weeks = r.weeks()
    came: Counter[date] = Counter()
    missed: Counter[date] = Counter()
    for starts_at, _topic, _language, status in await stats.bookings(r.start, r.end):
        week = dates.monday(_day(starts_at))
        if status == "attended":
            came[week] += 1
        elif status == "no_show":
            missed[week] += 1
    rate = [
        100.0 * missed[w] / (missed[w] + came[w]) if missed[w] + came[w] else 0.0 for w in weeks
    ]
    chart = Chart(
        "no-show",
        t("No-show rate per week (of bookings marked)"),
        [_week_label(w) for w in weeks],
        unit="%",
    )
    chart.series = {label(STATUSES, "no_show"): rate}
    return chart


async def events_fill(stats: DashboardStats, r: Range) -> Chart:
    found = await stats.events(r.start, r.end)
    locale = console_locale.get()
    chart = Chart(
        "events",
        t("Event fill rate and waitlist conversion"),
        [localized(e.title, locale)[:24] for e in found],
        kind="grouped",
        unit="%",
    )
    chart.series = {
        t("Seats filled"): [
            100.0 * min(e.registered, e.capacity) / e.capacity if e.capacity else 0.0 for e in found
        ],
        t("Waitlist promoted"): [
            100.0 * e.promoted / (e.promoted + e.waiting) if e.promoted + e.waiting else 0.0
            for e in found
        ],
    }
    return chart


async def reminders(stats: DashboardStats, r: Range) -> Chart:
    items = []
    for due, status, attempts in await stats.outbox(r.start, r.end):
        if status == "sent":
            kind = t("sent") if attempts <= 1 else t("sent after a retry")
        elif status == "failed":
            kind = t("failed")
        elif status == "pending" and attempts > 0:
            kind = t("waiting to retry")
        else:
            continue
        items.append((_day(due), kind))
    order = [t("sent"), t("sent after a retry"), t("waiting to retry"), t("failed")]
    chart = _by_day(r, items, order)
    chart.key, chart.title = "reminders", t("Reminders and notices delivered")
    return chart


async def feedback(stats: DashboardStats, r: Range) -> Chart:
    rows = await stats.feedback(r.start, r.end)
    chart = _by_day(r, [(_day(at), "👍" if up else "👎") for at, up in rows], ["👍", "👎"])
    chart.key, chart.title = "feedback", t("Feedback on answers")
    return chart


Builder = Callable[[DashboardStats, Range], Awaitable[Chart]]
CHARTS: dict[str, Builder] = {
    "messages": messages_by_channel,
    "languages": messages_by_language,
    "topics": top_topics,
    "unanswered": unanswered_rate,
    "emergencies": emergencies,
    "bookings-topic": lambda s, r: bookings_by(s, r, "topic"),
    "bookings-language": lambda s, r: bookings_by(s, r, "language"),
    "no-show": no_shows,
    "events": events_fill,
    "reminders": reminders,
    "feedback": feedback,
}


@page("GET", "/staff/dashboard", DESK_UP)
async def dashboard(request: web.Request, staff: Staff) -> web.StreamResponse:
    r = _range(request)
    await staff.services.traffic.flush()  # this worker's latest counts
    stats = DashboardStats(staff.services.db)
    charts = [(await build(stats, r)).drop_empty_series() for build in CHARTS.values()]
    return staff.render(
        "dashboard.html",
        here="/staff/dashboard",
        charts=charts,
        first=r.first.isoformat(),
        last=r.last.isoformat(),
    )


@page("GET", "/staff/dashboard/{chart}.csv", DESK_UP)
async def chart_csv(request: web.Request, staff: Staff) -> web.StreamResponse:
    build = CHARTS.get(request.match_info["chart"])
    if build is None:
        raise web.HTTPNotFound()
    r = _range(request)
    await staff.services.traffic.flush()
    chart = await build(DashboardStats(staff.services.db), r)
    header, rows = chart.csv_rows()
    name = f"{chart.key}-{r.first.isoformat()}-{r.last.isoformat()}.csv"
    return csv_response(name, header, rows)
