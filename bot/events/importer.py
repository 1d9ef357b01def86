"""Events from a staff file (YAML or CSV): every row checked, every problem reported by line.

The format is documented in data/events.example.yaml and data/events.example.csv. Times are
Shanghai wall-clock time ("2026-12-05 14:00") unless they carry an offset. Nothing is saved
unless the whole file is valid (the caller saves the specs in one transaction).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.i18n.locales import LOCALES
from bot.store.events.admin import EventSpec
from bot.store.events.tables import CATEGORIES, DRAFT, FALLBACK_LOCALES, PUBLISHED

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIELDS = {
    "key",
    "title",
    "description",
    "category",
    "start",
    "end",
    "place",
    "capacity",
    "deadline",
    "questions",
    "status",
}
REQUIRED = ("title", "category", "start", "end")
KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
QUESTION_ID_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class EventFileError(Exception):
    """The file has problems; nothing of it may be saved."""

    def __init__(self, path: Path | str, problems: list[Problem]) -> None:
        self.path, self.problems = str(path), problems
        super().__init__("\n".join(f"{path}:{p.line}: {p.message}" for p in problems))


def load_events(path: Path, *, tz: ZoneInfo = SHANGHAI) -> list[EventSpec]:
    """Read and check a .yaml/.yml or .csv file; raises EventFileError listing every problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EventFileError(path, [Problem(0, f"cannot read the file: {exc}")]) from None
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(text)
    elif path.suffix.lower() in {".yaml", ".yml"}:
        rows = _yaml_rows(path, text)
    else:
        raise EventFileError(path, [Problem(0, "the file must end in .yaml, .yml or .csv")])
    specs, problems = check_rows(rows, tz=tz)
    if problems:
        raise EventFileError(path, problems)
    return specs


def check_rows(
    rows: list[tuple[int, dict[str, Any]]], *, tz: ZoneInfo = SHANGHAI
) -> tuple[list[EventSpec], list[Problem]]:
    specs: list[EventSpec] = []
    problems: list[Problem] = []
    keys: dict[str, int] = {}
    if not rows:
        problems.append(Problem(1, "no events in the file"))
    for line, row in rows:
        found: list[str] = []
        spec = _check(row, tz, found)
        problems += [Problem(line, message) for message in found]
        key = _text(row.get("key")) if isinstance(row, dict) else ""
        if key in keys:
            problems.append(Problem(line, f"key {key!r} is also on line {keys[key]}"))
        elif key:
            keys[key] = line
        if spec is not None and not found:
            specs.append(spec)
    return specs, problems


def _check(row: dict[str, Any], tz: ZoneInfo, problems: list[str]) -> EventSpec | None:
    if not isinstance(row, dict):
        problems.append("each event must be a mapping of fields")
        return None
    if "__problem__" in row:
        problems.append(str(row.pop("__problem__")))
    for name in sorted(set(row) - FIELDS):
        problems.append(f"unknown field {name!r} (known: {', '.join(sorted(FIELDS))})")
    for name in REQUIRED:
        if row.get(name) in (None, "", {}):
            problems.append(f"{name} is missing")
    key = _text(row.get("key"))
    if key and not KEY_RE.fullmatch(key):
        problems.append("key: use lower-case letters, digits, - and _ (at most 64)")
    title = _texts(row.get("title"), "title", problems, required=True)
    description = _texts(row.get("description"), "description", problems)
    category = _text(row.get("category"))
    if category and category not in CATEGORIES:
        problems.append(f"category {category!r} is not one of {', '.join(CATEGORIES)}")
    start = _when(row.get("start"), "start", tz, problems)
    end = _when(row.get("end"), "end", tz, problems)
    deadline = _when(row.get("deadline"), "deadline", tz, problems)
    if start and end and end <= start:
        problems.append("end must be after start")
    if start and deadline and deadline > start:
        problems.append("deadline must not be after start")
    place = _text(row.get("place"))
    if len(place) > 300:
        problems.append("place is longer than 300 characters")
    capacity = _capacity(row.get("capacity"), problems)
    status = _text(row.get("status")) or None
    if status not in (None, DRAFT, PUBLISHED):
        problems.append(
            f"status must be {DRAFT} or {PUBLISHED} (cancel with `linzhu events cancel`)"
        )
    questions = _questions(row.get("questions"), problems)
    if problems or start is None or end is None:
        return None
    return EventSpec(
        title=title,
        description=description,
        category=category,
        starts_at=start,
        ends_at=end,
        place=place,
        capacity=capacity,
        registration_deadline=deadline,
        questions=questions,
        status=status,
        key=key or None,
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _texts(value: Any, name: str, problems: list[str], required: bool = False) -> dict[str, str]:
    """{locale: text}; English or Simplified Chinese must be there (the fallbacks)."""
    if value in (None, "", {}):
        return {}
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict):
        problems.append(f"{name} must be a mapping of locale to text, such as en: …")
        return {}
    texts = {str(k): _text(v) for k, v in value.items() if _text(v)}
    unknown = sorted(set(texts) - set(LOCALES))
    if unknown:
        problems.append(f"{name}: unknown locale(s) {', '.join(unknown)}")
    if required and not any(texts.get(code) for code in FALLBACK_LOCALES):
        problems.append(f"{name} needs at least en or zh_Hans")
    return texts


def _when(value: Any, name: str, tz: ZoneInfo, problems: list[str]) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        problems.append(f"{name} needs a time as well, such as 2026-12-05 14:00")
        return None
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            problems.append(f"{name} {value!r} is not a date and time like 2026-12-05 14:00")
            return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _capacity(value: Any, problems: list[str]) -> int | None:
    if value in (None, "") or str(value).strip().lower() == "unlimited":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        problems.append(f"capacity {value!r} is not a whole number (or 'unlimited')")
        return None
    if number < 1:
        problems.append("capacity must be at least 1 (or 'unlimited')")
    return number


def _questions(value: Any, problems: list[str]) -> list[dict[str, Any]]:
    if value in (None, "", []):
        return []
    if not isinstance(value, list):
        problems.append("questions must be a list of {id, text}")
        return []
    found: list[dict[str, Any]] = []
    for n, item in enumerate(value, 1):
        if not isinstance(item, dict):
            problems.append(f"question {n} must be a mapping with id and text")
            continue
        qid = _text(item.get("id"))
        if not QUESTION_ID_RE.fullmatch(qid):
            problems.append(f"question {n}: id must be lower-case letters, digits and _")
        elif qid in {q["id"] for q in found}:
            problems.append(f"question {n}: id {qid!r} is used twice")
        extra = sorted(set(item) - {"id", "text", "__line__"})
        if extra:
            problems.append(f"question {n}: unknown field(s) {', '.join(extra)}")
        text = _texts(item.get("text"), f"question {n} text", problems, required=True)
        found.append({"id": qid, "text": text})
    return found


# --- reading the two formats -------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """Remembers the line each mapping starts on, so problems can name it."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _yaml_rows(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise EventFileError(path, [Problem(line, f"not valid YAML: {exc}")]) from None
    if isinstance(data, dict) and "events" in data:
        data = data["events"]
    if not isinstance(data, list):
        raise EventFileError(path, [Problem(1, "expected a list of events under `events:`")])
    rows = []
    for item in data:
        line = item.pop("__line__", 0) if isinstance(item, dict) else 0
        if isinstance(item, dict):
            _strip_lines(item)
        rows.append((line, item))
    return rows


def _strip_lines(value: Any) -> None:
    if isinstance(value, dict):
        value.pop("__line__", None)
        for inner in value.values():
            _strip_lines(inner)
    elif isinstance(value, list):
        for inner in value:
            _strip_lines(inner)


def _csv_rows(text: str) -> list[tuple[int, dict[str, Any]]]:
    """One event per row; per-locale columns are `title.en`, `description.zh_Hans`, and
    `question.<id>.<locale>` for sign-up questions."""
    reader = csv.DictReader(io.StringIO(text))
    rows = []
    line = 1
    for raw in reader:
        start_line, line = line + 1, reader.line_num
        row: dict[str, Any] = {}
        questions: dict[str, dict[str, str]] = {}
        for column, value in raw.items():
            if column is None:
                row.setdefault("__extra", value)
                continue
            name, _, rest = column.strip().partition(".")
            if value is None or not value.strip():
                continue
            if name in {"title", "description"} and rest:
                row.setdefault(name, {})[rest] = value
            elif name == "question" and "." in rest:
                qid, _, locale = rest.partition(".")
                questions.setdefault(qid, {})[locale] = value
            else:
                row[column.strip()] = value
        if "__extra" in row:
            row.pop("__extra")
            row["__problem__"] = "this row has more values than the header has columns"
        if questions:
            row["questions"] = [{"id": q, "text": t} for q, t in questions.items()]
        rows.append((start_line, row))
    return rows
