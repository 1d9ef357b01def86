"""How events read to residents: list entries, details, seats, category names."""

from __future__ import annotations

from functools import lru_cache

import regex
from babel.support import LazyProxy

from bot.core.types import Button
from bot.events.when import format_clock, format_day, format_when
from bot.guided.dates import normalise
from bot.handlers.events.payloads import ShowEvent
from bot.i18n import LOCALES, _, current_locale, lazy_gettext, ngettext, use_locale
from bot.store.events.tables import CATEGORIES, REGISTERED, EventView, RegistrationView, localized

CATEGORY_NAMES: dict[str, LazyProxy] = {
    "jobs": lazy_gettext("Jobs and careers"),
    "start-up": lazy_gettext("Start-ups"),
    "business": lazy_gettext("Business"),
    "family": lazy_gettext("Family"),
    "health": lazy_gettext("Health"),
    "education": lazy_gettext("Education"),
    "community": lazy_gettext("Community"),
}
assert set(CATEGORY_NAMES) == set(CATEGORIES)
BUTTON_TITLE = 40  # characters of a title shown on a button

# Words residents use for each category, besides its name in the nine catalogs. Latin and
# Cyrillic entries are word beginnings ("famil" finds family, famille, Familie, familia);
# Chinese, Japanese and Korean ones are found anywhere in the message.
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "jobs": ("job", "career", "recruit", "hiring", "employ", "emploi", "carriere", "stellen",
             "karriere", "beruf", "empleo", "trabajo", "работ", "ваканс", "карьер", "招聘",
             "求职", "求職", "就业", "就業", "职业", "職業", "就職", "求人", "취업", "채용",
             "일자리"),
    "start-up": ("startup", "start-up", "founder", "entrepreneur", "grunder", "emprend",
                 "стартап", "предприним", "创业", "創業", "起業", "스타트업", "창업"),
    "business": ("business", "commerce", "geschaft", "unternehm", "negocio", "empresa", "бизнес",
                 "商务", "商務", "商业", "商業", "ビジネス", "비즈니스"),
    "family": ("famil", "kid", "child", "enfant", "kinder", "nino", "дети", "детей", "детск",
               "семья", "семей",
               "семьи", "家庭", "亲子", "親子", "家族", "子ども", "子供", "儿童", "兒童", "孩子",
               "가족", "아이", "어린이"),
    "health": ("health", "sante", "gesund", "salud", "здоров", "健康", "医疗", "醫療", "건강"),
    "education": ("educat", "school", "ecole", "schule", "bildung", "escuela", "образован",
                  "школ", "教育", "学校", "學校", "학교", "교육"),
    "community": ("communit", "communaut", "gemeinschaft", "nachbar", "comunidad", "vecin",
                  "сообществ", "сосед", "社区", "社區", "邻里", "鄰里", "地域", "コミュニティ",
                  "커뮤니티", "이웃"),
}  # fmt: skip
assert set(CATEGORY_WORDS) == set(CATEGORIES)
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
_WORD = regex.compile(r"[\p{L}\p{N}-]+")


@lru_cache(maxsize=1)
def _category_terms() -> tuple[tuple[str, str], ...]:
    """(term, category): the extra words, and each category's name in every catalog."""
    terms = [(normalise(w), c) for c, words in CATEGORY_WORDS.items() for w in words]
    for locale in LOCALES:
        with use_locale(locale):
            terms += [(normalise(str(name)), c) for c, name in CATEGORY_NAMES.items()]
    return tuple(terms)


def category_in(text: str) -> str | None:
    """The event category a resident names, in any of the nine languages: "familie",
    "family events", "イベント 家族" → "family"; None when none is named."""
    normal = normalise(text)
    words = _WORD.findall(normal)
    found: list[tuple[int, str]] = []
    for term, category in _category_terms():
        if _CJK.search(term):
            at = normal.find(term)
        else:
            at = next((normal.find(w) for w in words if w.startswith(term)), -1)
        if at >= 0:
            found.append((at, category))
    return min(found)[1] if found else None


def title_of(event: EventView) -> str:
    return localized(event.title, current_locale.get())


def seats_text(event: EventView) -> str:
    left = event.seats_left
    if left is None:
        return _("Open to all, no sign-up limit")
    if left == 0:
        return _("Full: you can join the waitlist")
    return ngettext("{n} seat left", "{n} seats left", left).format(n=left)


def summary(event: EventView, mine: RegistrationView | None = None) -> str:
    """Title, when, where and seats: one entry of the list."""
    locale = current_locale.get()
    lines = [f"*{title_of(event)}*", format_when(event.starts_at, event.ends_at, locale)]
    if event.place:
        lines.append(event.place)
    lines.append(status_line(mine) if mine else seats_text(event))
    return "\n".join(lines)


def status_line(mine: RegistrationView) -> str:
    if mine.status == REGISTERED:
        return _("✓ You're registered")
    return _("You're on the waitlist (position {position})").format(position=mine.waitlist_position)


def details(event: EventView, mine: RegistrationView | None = None) -> str:
    """Everything about one event, for its own page."""
    locale = current_locale.get()
    parts = [summary(event, mine)]
    description = localized(event.description, locale)
    if description:
        parts.append(description)
    closes = event.closes_at
    parts.append(
        _("Registration closes {day}, {time}.").format(
            day=format_day(closes, locale), time=format_clock(closes, locale)
        )
    )
    return "\n\n".join(parts)


def event_button(event: EventView) -> Button:
    title = title_of(event)
    if len(title) > BUTTON_TITLE:
        title = title[: BUTTON_TITLE - 1] + "…"
    return Button(title, ShowEvent(event.id).encode())


def question_text(event: EventView, index: int) -> str:
    question = event.questions[index]
    text = localized(question.get("text") or {}, current_locale.get())
    head = _("*{title}*, question {number} of {total}:").format(
        title=title_of(event), number=index + 1, total=len(event.questions)
    )
    return f"{head}\n{text}"
