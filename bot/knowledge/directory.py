"""Staff-maintained directories: medical facilities and schools (faq/directory/*.yaml).

Nothing here is invented: entries name institutions that certainly exist and say only
what is publicly known; phone numbers, addresses and hours stay empty until staff check
them. `verified: false` entries are shown with a "please confirm" note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.i18n.locales import LOCALES
from bot.knowledge.districts import DISTRICTS
from bot.knowledge.yamlcheck import LoadedYaml, Problem, load_valid, load_with_lines

# "vaccination" is routine and childhood vaccination (community health centres); "travel"
# is travel vaccinations and health certificates, kept apart so the two never share a list.
MEDICAL_SERVICES = (
    "gp", "children", "dental", "maternity", "mental", "vaccination", "permit", "travel",
    "emergency",
)  # fmt: skip
SCHOOL_SERVICES = ("nursery", "kindergarten", "primary", "junior", "senior")
SERVICES = {"medical": MEDICAL_SERVICES, "schools": SCHOOL_SERVICES}
LANGUAGES = ("en", "zh", "ja", "ko", "fr", "de", "es", "ru")
# Directory languages ("zh") for each Linzhu locale.
LOCALE_LANGUAGE = {loc: loc.split("_")[0] for loc in LOCALES}

_REQUIRED: dict[str, Any] = {
    "id": str, "name_en": str, "name_zh": str, "district": str, "services": list,
    "languages": list, "international_department": (bool, type(None)),
    "direct_billing": (bool, type(None)), "phone": str, "address": str, "hours": str,
    "verified": bool, "last_reviewed": date,
}  # fmt: skip
_OPTIONAL: dict[str, Any] = {"website": str, "notes": dict}
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Institution:
    id: str
    name_en: str
    name_zh: str
    district: str
    services: tuple[str, ...]
    languages: tuple[str, ...]
    international_department: bool | None
    direct_billing: bool | None
    phone: str
    address: str
    hours: str
    verified: bool
    last_reviewed: date
    website: str = ""
    notes: dict[str, str] = field(default_factory=dict)

    def note(self, locale: str) -> str:
        """The note in `locale`, else English (every entry should have all nine)."""
        return self.notes.get(locale) or self.notes.get("en", "")

    def speaks(self, language: str) -> bool:
        return language in self.languages


@dataclass(frozen=True)
class Directory:
    kind: str
    entries: tuple[Institution, ...]

    def matching(self, service: str, language: str | None = None) -> list[Institution]:
        """Entries offering `service`; those speaking `language` first."""
        found = [e for e in self.entries if service in e.services]
        if language:
            found.sort(key=lambda e: (not e.speaks(language), e.name_en))
        return found


def validate_directory(path: Path) -> list[Problem]:
    """Every schema problem in one directory file, with file and line."""
    loaded = load_with_lines(path)
    if isinstance(loaded, Problem):
        return [loaded]
    return _check(loaded)


def load_directory(path: Path) -> Directory:
    """Load a directory file; raises ValueError listing its problems if it is invalid."""
    loaded = load_valid(path, _check)
    data = loaded.data
    entries = tuple(
        Institution(
            **{k: v for k, v in raw.items() if k not in {"services", "languages", "notes"}},
            services=tuple(raw["services"]),
            languages=tuple(raw["languages"]),
            notes={k: str(v).strip() for k, v in (raw.get("notes") or {}).items()},
        )
        for raw in data["entries"]
    )
    return Directory(data["kind"], entries)


def _check(doc: LoadedYaml) -> list[Problem]:
    data = doc.data
    if not isinstance(data, dict):
        return [doc.problem("the file must be a mapping with `kind` and `entries`")]
    problems: list[Problem] = []
    kind = data.get("kind")
    if kind not in SERVICES:
        problems.append(doc.problem(f"kind must be one of {', '.join(SERVICES)}", "kind"))
    entries = data.get("entries")
    if not isinstance(entries, list):
        return [*problems, doc.problem("`entries` must be a list", "entries")]
    seen: dict[str, int] = {}
    for i, entry in enumerate(entries):
        problems.extend(_check_entry(doc, i, entry, SERVICES.get(str(kind), ()), seen))
    return problems


def _check_entry(
    doc: LoadedYaml, i: int, entry: Any, services: tuple[str, ...], seen: dict[str, int]
) -> list[Problem]:
    at = ("entries", i)
    if not isinstance(entry, dict):
        return [doc.problem("each entry must be a mapping", *at)]
    problems: list[Problem] = []
    for key, expected in _REQUIRED.items():
        if key not in entry:
            problems.append(doc.problem(f"missing `{key}`", *at))
        elif not isinstance(entry[key], expected) or (
            expected is date and isinstance(entry[key], bool)
        ):
            problems.append(
                doc.problem(f"`{key}` has the wrong type ({_kind(expected)} expected)", *at, key)
            )
    for key, value in entry.items():
        if key not in _REQUIRED and key not in _OPTIONAL:
            problems.append(doc.problem(f"unknown field `{key}`", *at, key))
        elif key in _OPTIONAL and not isinstance(value, _OPTIONAL[key]):
            problems.append(doc.problem(f"`{key}` has the wrong type", *at, key))
    ident = entry.get("id")
    if isinstance(ident, str):
        if not _ID.fullmatch(ident):
            problems.append(doc.problem("`id` must be lower-case words joined by '-'", *at, "id"))
        elif ident in seen:
            problems.append(
                doc.problem(f"duplicate id `{ident}` (first on line {seen[ident]})", *at, "id")
            )
        else:
            seen[ident] = doc.line(*at, "id")
    for key in ("name_en", "name_zh"):
        if isinstance(entry.get(key), str) and not entry[key].strip():
            problems.append(doc.problem(f"`{key}` must not be empty", *at, key))
    district = entry.get("district")
    if isinstance(district, str) and district and district not in DISTRICTS:
        problems.append(
            doc.problem(
                f'district: unknown `{district}` (one of {", ".join(DISTRICTS)}, or "")',
                *at,
                "district",
            )
        )
    problems.extend(_check_list(doc, entry, at, "services", services, allow_empty=False))
    problems.extend(_check_list(doc, entry, at, "languages", LANGUAGES, allow_empty=True))
    notes = entry.get("notes")
    if isinstance(notes, dict):
        for locale, text in notes.items():
            if locale not in LOCALES:
                problems.append(
                    doc.problem(f"notes: unknown locale `{locale}`", *at, "notes", locale)
                )
            elif not isinstance(text, str):
                problems.append(doc.problem(f"notes.{locale} must be text", *at, "notes", locale))
        if notes and "en" not in notes:
            problems.append(doc.problem("notes need at least `en`", *at, "notes"))
    return problems


def _check_list(
    doc: LoadedYaml, entry: dict[str, Any], at: tuple[str | int, ...], key: str,
    allowed: tuple[str, ...], *, allow_empty: bool,
) -> list[Problem]:  # fmt: skip
    values = entry.get(key)
    if not isinstance(values, list):
        return []
    problems = []
    if not values and not allow_empty:
        problems.append(doc.problem(f"`{key}` must list at least one value", *at, key))
    for j, value in enumerate(values):
        if value not in allowed:
            problems.append(doc.problem(
                f"{key}: unknown value `{value}` (allowed: {', '.join(allowed)})", *at, key, j
            ))  # fmt: skip
    return problems


def _kind(expected: Any) -> str:
    names = {str: "text", list: "list", bool: "true/false", date: "a date YYYY-MM-DD"}
    if isinstance(expected, tuple):
        return " or ".join(names.get(t, "null") for t in expected)
    return names.get(expected, str(expected))
