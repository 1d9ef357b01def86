"""Everything a resident sees is in their language (issue 16, finding 6).

For each of the eight non-English locales, a resident walks every flow — the commands, the
school and medical guides, booking in person, by phone and by video, signing up (with a
question, and onto a waitlist), small talk, questions in words — and then taps every button
they are shown, breadth first. The reminders and notices the outbox would send them are
rendered too. Every text and every button label must be free of English, apart from proper
names (an allow-list: places, brands, the directory's institutions, the people in this test).

English is found two ways: in Chinese, Japanese, Korean and Russian, any Latin-script word is
suspect; in French, German and Spanish, a word is English when it is far more common in English
than in the resident's language (wordfreq), so "date", "service" or "moment" pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

import pytest
from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from wordfreq import zipf_frequency

from bot.app import build_dispatcher
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.core.types import Incoming, Reply, UserRef
from bot.events.demo import demo_specs
from bot.i18n import LOCALES, NATIVE_NAMES, use_locale
from bot.i18n.format import SHANGHAI
from bot.knowledge.directory import load_directory
from bot.reminders.render import default_renderers
from bot.store.consultations.schedule import ScheduleStore
from bot.store.events.admin import EventAdmin
from bot.store.outbox import OutboxMessage
from tests.consultations.helpers import future
from tests.handlers.test_smalltalk import SMALL_TALK
from tests.paths import ROOT

LATIN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+(?:['’-][A-Za-zÀ-ÖØ-öø-ÿ]+)*")
ACRONYM = re.compile(r"[A-Z]{2,5}")  # EAP, PDF, HSK: used as they are in every language
# A parenthesised pinyin reading, "(qǐng pài jiùhùchē dào …)": tone marks only pinyin has.
PINYIN = re.compile(r"\([^()]*[āēīōūǖǎěǐǒǔǚǜ][^()]*\)")
NON_ENGLISH = [loc for loc in LOCALES if loc != "en"]
MAX_TAPS = 160  # per locale, after the walks; far more than the distinct screens

# Proper names: they are the same in every language.
PROPER_NAMES = [
    "Linzhu",
    "Gubei Citizen Centre",
    "Gubei",
    "Hongqiao",
    "Shanghai",
    "Changning",
    "Minhang",
    "Pudong",
    "Puxi",
    "WeChat",
    "Telegram",
    "Web",
    "CLI",
    "kg",
    # The people and the meeting link of this test.
    "Wang Li",
    "Chen Jing",
    "Zhao Min",
    "meeting.example.org",
    # Names of programmes the FAQ gives as they are.
    "HongQiao CoLab",
    "CoLab",
    "Hongqiao Linzhu",
    "Linguang",
    # The class names international schools use, quoted as examples.
    "Year 1",
    "Grade 1",
]
# Autonyms are what the language buttons show: allowed on buttons, not mid-sentence.
AUTONYMS = list(NATIVE_NAMES.values())


def _directory_names() -> list[str]:
    names = []
    for kind in ("medical", "schools"):
        names += [
            e.name_en for e in load_directory(ROOT / "faq" / "directory" / f"{kind}.yaml").entries
        ]
    return names


ALLOWED = sorted({*PROPER_NAMES, *_directory_names()}, key=len, reverse=True)


def english_in(text: str, locale: str, *, label: bool = False) -> list[str]:
    """The English words in `text`, shown to a resident of `locale`."""
    text = re.sub(r"https?://\S+|\S+@\S+", " ", text)  # links and e-mail addresses
    text = re.sub(r"\]\(tel:[^)]*\)", "] ", text)  # a number's tel: link (the web page's markup)
    text = re.sub(r"/[a-z_]+(?:\s+(?:on|off)(?![A-Za-z]))?", " ", text)  # /reminders off
    text = PINYIN.sub(" ", text)  # a pronunciation aid for the Chinese on a card
    for name in ALLOWED:
        text = re.sub(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", " ", text)
    # A language's own name: on its button, or in a list of languages ("English、简体中文"),
    # never glued into a sentence ("使用English").
    for name in AUTONYMS:
        text = re.sub(re.escape(name) if label else rf"(?<!\w){re.escape(name)}(?!\w)", " ", text)
    if locale in {"fr", "de", "es"}:
        return _english_in_latin(text, locale)
    return [w for w in LATIN.findall(text) if len(w) >= 2 and not ACRONYM.fullmatch(w)]


def _english_in_latin(text: str, locale: str) -> list[str]:
    """French, German, Spanish: a sentence lingua reads as English; a word of a short label
    that is common in English and rare in the resident's language ("Cancel", "Skip")."""
    found = []
    for sentence in re.split(r"[\n.!?:;()·•–]+", text):
        words = [w for w in LATIN.findall(sentence) if not ACRONYM.fullmatch(w)]
        if len(words) >= 3:
            english = _lingua().compute_language_confidence(" ".join(words), Language.ENGLISH)
            if english >= 0.6:
                found += words
        else:
            found += [
                w
                for w in words
                if len(w) >= 3
                and zipf_frequency(w, locale) < 3.5
                and zipf_frequency(w, "en") - zipf_frequency(w, locale) >= 1.5
            ]
    return found


@lru_cache(maxsize=1)
def _lingua() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(
        Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH
    ).build()


@dataclass
class Walk:
    """One resident going through Linzhu; everything they were shown, with where it came from."""

    dispatcher: Dispatcher
    user: UserRef
    items: list[tuple[str, str, bool]] = field(default_factory=list)  # (text, where, label)
    payloads: list[str] = field(default_factory=list)  # every button shown, in order
    last: list[Reply] = field(default_factory=list)

    def add(self, replies: Iterable[Reply], where: str) -> None:
        for reply in replies:
            self.items.append((reply.text, where, False))
            self.items += [(b.label, where, True) for b in reply.buttons]
            self.payloads += [b.payload for b in reply.buttons]

    async def say(self, text: str) -> list[Reply]:
        self.last = (await self.dispatcher.handle(Incoming(self.user, text=text))).replies
        self.add(self.last, f"say {text!r}")
        return self.last

    async def tap(self, payload: str) -> list[Reply]:
        self.last = (await self.dispatcher.handle(Incoming(self.user, payload=payload))).replies
        self.add(self.last, f"tap {payload}")
        return self.last

    def buttons(self, prefix: str) -> list[str]:
        return [b.payload for r in self.last for b in r.buttons if b.payload.startswith(prefix)]

    def problems(self, locale: str) -> list[str]:
        found = []
        for text, where, label in self.items:
            words = english_in(text, locale, label=label)
            if words:
                found.append(f"{where}: {sorted(set(words))} in {text[:160]!r}")
        return sorted(set(found))


async def _seed(dispatcher: Dispatcher) -> None:
    db = dispatcher.services.db
    schedule = ScheduleStore(db)
    everyone = list(LOCALES)
    await schedule.add_consultant("Wang Li", everyone, ["work"])
    await schedule.add_consultant("Chen Jing", everyone, ["living"])
    await schedule.add_consultant(
        "Zhao Min", everyone, ["school"], video_link="https://meeting.example.org/zhao"
    )
    for name, mode, hours in (("Wang Li", "in_person", 30), ("Chen Jing", "phone", 54),
                              ("Zhao Min", "video", 78)):  # fmt: skip
        starts = [future(hours + n) for n in (0, 1, 2)]
        await schedule.add_slots(name, [(s, s + timedelta(minutes=30)) for s in starts], mode=mode)
    views = await EventAdmin(db).save(demo_specs(future(0).astimezone(SHANGHAI), SHANGHAI))
    full = next(v for v in views if v.capacity == 3)  # the job fair: fill it, a waitlist starts
    for n in range(3):
        filler = UserRef("web", f"filler-{n}")
        await dispatcher.handle(Incoming(filler, payload=f"events:join:{full.id}"))


# What a resident of each locale types: a birth-date question, events in words.
TYPED = {
    "zh_Hans": ["我儿子2019年10月15日出生，上几年级？", "最近有什么活动？"],
    "zh_Hant": ["我兒子2019年10月15日出生，讀幾年級？", "最近有什麼活動？"],
    "ja": ["息子は2019年10月15日生まれです。何年生？", "イベント 家族"],
    "ko": ["아들이 2019년 10월 15일생인데 몇 학년이에요?", "요즘 어떤 행사가 있어요?"],
    "fr": ["Mon fils est né le 15 octobre 2019, quelle classe ?", "Quels événements sont prévus ?"],
    "de": [
        "Mein Sohn ist am 15.10.2019 geboren, welche Klasse?",
        "Welche Veranstaltungen gibt es?",
    ],
    "es": ["Mi hijo nació el 15 de octubre de 2019, ¿a qué curso irá?", "¿Qué eventos hay?"],
    "ru": ["Мой сын родился 15 октября 2019, в какой класс?", "Какие мероприятия скоро?"],
}


def _shape(payload: str) -> str:
    """One tap per kind of screen: ids and dates do not make a screen new."""
    return re.sub(r"\d+", "#", payload)


async def walk_everything(dispatcher: Dispatcher, locale: str) -> Walk:
    walk = Walk(dispatcher, UserRef("web", f"crawl-{locale}"))
    await walk.tap(f"lang:set:{locale}")
    for command in sorted(dispatcher.routes.commands):
        await walk.say(f"/{command}")
    await walk.say("/nope")
    for text, _kind in SMALL_TALK[locale]:
        await walk.say(text)
    for text in TYPED[locale]:
        await walk.say(text)
    for preference in ("public", "intl", "unsure"):  # the school guide, each way through
        await walk.say("/school")
        await walk.say("2019-05-03")
        await walk.tap(walk.buttons("school:year:")[0])
        await walk.tap(f"school:pref:{preference}")
    for topic in ("work", "living", "school"):  # in person, by phone, by video
        await walk.tap(f"book:start:{topic}")
        await walk.tap(f"book:lang:{locale}")
        await walk.tap(walk.buttons("book:day:")[0])
        await walk.tap(walk.buttons("book:time:")[0])
        if topic != "work":
            await walk.say("abc")  # neither a phone number nor a WeChat ID
            await walk.say("13800138000")
        await walk.tap("book:skipnote")
        await walk.tap(walk.buttons("book:confirm:")[0])
    await walk.say("/week")  # the staff's list, with the contact and the resident's channel
    await walk.tap(walk.buttons("staff:att:")[0])
    await walk.say("/mybookings")
    booking = walk.buttons("book:rs:")[0].rsplit(":", 1)[1]
    await walk.tap(f"book:rs:{booking}")
    await walk.tap(walk.buttons("book:day:")[-1])
    await walk.tap(walk.buttons("book:time:")[-1])
    await walk.tap(walk.buttons("book:move:")[0])
    await walk.tap(f"book:cxok:{booking}")
    listing = await walk.say("/events")
    for event in [b.payload for r in listing for b in r.buttons if "events:show:" in b.payload]:
        await walk.tap(event)
        for join in walk.buttons("events:join:"):
            await walk.tap(join)
            if walk.buttons("events:show:") and not any(r.attachments for r in walk.last):
                await walk.say("2")  # the sign-up question
    await walk.say("/myevents")
    drop = walk.buttons("events:cancel:")
    if drop:
        await walk.tap(drop[0])
        await walk.tap(walk.buttons("events:drop:")[0])
    # Then every button shown so far, breadth first, one of each kind.
    done: set[str] = set()
    queue = list(dict.fromkeys(walk.payloads))
    while queue and len(done) < MAX_TAPS:
        payload = queue.pop(0)
        if _shape(payload) in done or payload.startswith(("privacy:delete:yes", "lang:set:")):
            continue
        done.add(_shape(payload))
        queue += [b.payload for r in await walk.tap(payload) for b in r.buttons]
    return walk


async def render_outbox(dispatcher: Dispatcher, walk: Walk, locale: str) -> None:
    """Every reminder and notice waiting in the outbox, rendered in the resident's language."""
    from sqlmodel import select

    renderers = default_renderers()
    async with dispatcher.services.db.session() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    for row in rows:
        with use_locale(locale):
            walk.add(renderers[row.kind](row.payload), f"outbox {row.kind}")


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize("locale", NON_ENGLISH)
async def test_every_reply_is_in_the_residents_language(
    settings: Settings, dispatcher: Dispatcher, locale: str
) -> None:
    staff = build_dispatcher(
        settings.model_copy(update={"staff_users": f"web:crawl-{locale}"}),
        db=dispatcher.services.db,
        knowledge=dispatcher.services.knowledge,
    )
    staff.channels = dispatcher.channels
    await _seed(staff)
    walk = await walk_everything(staff, locale)
    await render_outbox(staff, walk, locale)
    assert len(walk.items) > 300
    # The walk reached what the issue found in English: guides, bookings, sign-ups, notices.
    sources = {where for _text, where, _label in walk.items}
    for must in ("tap school:pref", "tap medical:lang", "tap book:confirm", "tap events:join",
                 "tap staff:att", "outbox event_reminder", "outbox booking_reminder"):  # fmt: skip
        assert any(s.startswith(must) for s in sources), must
    problems = walk.problems(locale)
    assert not problems, f"{len(problems)} English text(s) in {locale}:\n" + "\n".join(problems)


def test_the_detector_finds_english() -> None:
    assert english_in("使用English", "zh_Hans") == ["English"]
    assert english_in("Demo consultant B (ja, ko, zh_Hans)", "ja")
    assert english_in("Sign up for the family picnic", "fr")
    assert english_in("Sign up", "de") == ["Sign"]
    assert english_in("¿Necesita ayuda? Reserve una consulta y use el menú.", "es") == []
    assert english_in("Réservez une consultation à la date et au moment voulus.", "fr") == []
    assert english_in("Wang Li · https://meeting.example.org/x · /book · EAP", "ja") == []
    assert english_in("English", "ja", label=True) == []
