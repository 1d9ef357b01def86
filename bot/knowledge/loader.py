"""Reads faq/ and reports every problem with file and line (`linzhu faq check`).

YAML is composed into nodes first so each problem can point at the line of the value
that is wrong (yaml's node marks), not only at the file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.i18n.locales import LOCALES
from bot.knowledge.model import (
    ACTION_PAYLOADS,
    CATEGORIES,
    KINDS,
    MAX_ANSWER_CHARS,
    MIN_ALTERNATES,
    MIN_SITUATIONS,
    REVIEW_STATES,
    FaqEntry,
    LocaleText,
)
from bot.knowledge.placeholders import NAMES as PLACEHOLDERS
from bot.knowledge.placeholders import unknown_placeholders
from bot.knowledge.problem import Problem

# libyaml when present: the pure-Python parser takes ~1 s for the whole FAQ.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ID_PATTERN = re.compile(r"[a-z][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+")
TOP_KEYS = {
    "id",
    "kind",
    "category",
    "related",
    "action",
    "review",
    "last_reviewed",
    "source",
    "locales",
}
LOCALE_KEYS = {"question", "alternates", "situations", "answer"}


@dataclass
class LoadResult:
    entries: dict[str, FaqEntry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    content_hash: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


# Folders under faq/ that hold other content with validators of their own
# (bot/guided: directories of schools and medical facilities, phrase cards).
NOT_ENTRIES = frozenset({"directory", "phrases", "emergency"})


def faq_files(root: Path) -> list[Path]:
    """Every entry file under `root`, in a stable order."""
    found = [p for p in root.rglob("*.y*ml") if p.suffix in {".yaml", ".yml"} and p.is_file()]
    return sorted(p for p in found if not NOT_ENTRIES & set(p.relative_to(root).parts[:-1]))


def load_faq(root: Path, required_ids: set[str] | None = None) -> LoadResult:
    """Load and validate every file; `entries` holds those that could be read at all."""
    result = LoadResult()
    if not root.is_dir():
        result.problems.append(Problem(str(root), 0, "FAQ folder does not exist"))
        return result
    digest = hashlib.sha256()
    first_seen: dict[str, tuple[str, int]] = {}
    related_refs: list[tuple[str, int, str, str]] = []
    for path in faq_files(root):
        raw = path.read_bytes()
        digest.update(str(path.relative_to(root)).encode() + b"\0" + raw + b"\0")
        shown = _shown(path, root)
        checker = _FileChecker(shown, path, root)
        entry = checker.read(raw)
        result.problems.extend(checker.problems)
        related_refs.extend(checker.related_refs)
        if entry is None:
            continue
        if entry.id in first_seen:
            other_file, other_line = first_seen[entry.id]
            result.problems.append(
                Problem(
                    shown,
                    checker.id_line,
                    f"duplicate id {entry.id!r} (also in {other_file}:{other_line})",
                )
            )
            continue
        first_seen[entry.id] = (shown, checker.id_line)
        result.entries[entry.id] = entry
    for shown, line, owner, target in related_refs:
        if target not in result.entries:
            result.problems.append(Problem(shown, line, f"related: unknown id {target!r}"))
        elif target == owner:
            result.problems.append(
                Problem(shown, line, "related: an entry cannot relate to itself")
            )
    for missing in sorted((required_ids or set()) - set(result.entries)):
        result.problems.append(Problem(str(root), 0, f"required topic {missing!r} has no entry"))
    result.problems.sort()
    result.content_hash = digest.hexdigest()
    return result


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


class _FileChecker:
    """Validates one file, collecting problems with the line of each offending node."""

    def __init__(self, shown: str, path: Path, root: Path) -> None:
        self.shown, self.path, self.root = shown, path, root
        self.problems: list[Problem] = []
        self.related_refs: list[tuple[str, int, str, str]] = []
        self.id_line = 1

    def problem(self, node: Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(Problem(self.shown, line, message))

    def read(self, raw: bytes) -> FaqEntry | None:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.problems.append(Problem(self.shown, 1, f"not UTF-8: {exc.reason}"))
            return None
        try:
            loader = _Loader(text)
            try:
                node = loader.get_single_node()
                data = loader.construct_document(node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            line = mark.line + 1 if mark is not None else 1
            what = getattr(exc, "problem", None) or str(exc)
            self.problems.append(Problem(self.shown, line, f"YAML error: {what}"))
            return None
        if not isinstance(node, MappingNode) or not isinstance(data, dict):
            self.problem(node, "an entry must be a mapping (id: …, locales: …)")
            return None
        self._duplicate_keys(node)
        return self._entry(node, data)

    def _duplicate_keys(self, node: Node) -> None:
        if isinstance(node, MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    if key.value in seen:
                        self.problem(key, f"duplicate key {key.value!r}")
                    seen.add(key.value)
                self._duplicate_keys(value)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                self._duplicate_keys(item)

    def _entry(self, node: MappingNode, data: dict[Any, Any]) -> FaqEntry | None:
        nodes = _children(node)
        for key in data:
            if key not in TOP_KEYS:
                self.problem(nodes.get(str(key)), f"unknown field {key!r}")
        entry_id = data.get("id")
        self.id_line = _line(nodes.get("id"), node)
        if not isinstance(entry_id, str) or not ID_PATTERN.fullmatch(entry_id):
            self.problem(nodes.get("id", node), f"missing or malformed id {entry_id!r}")
            return None
        if self.path.stem != entry_id:
            self.problem(nodes["id"], f"id {entry_id!r} does not match the file name")
        kind = self._choice(data, nodes, node, "kind", KINDS, "topic")
        category = self._choice(data, nodes, node, "category", CATEGORIES, None)
        if (kind == "not_covered") != (category == "not_covered"):
            self.problem(nodes.get("kind", node), "kind not_covered goes with category not_covered")
        folder = self.path.parent
        if category and folder != self.root and folder.name != category:
            self.problem(nodes.get("category"), f"file is in {folder.name}/, category {category}")
        action = data.get("action")
        if action is not None and action not in ACTION_PAYLOADS:
            self.problem(
                nodes.get("action"),
                f"unknown action {action!r} (one of: {', '.join(ACTION_PAYLOADS)})",
            )
            action = None
        review = self._choice(data, nodes, node, "review", REVIEW_STATES, None)
        last = data.get("last_reviewed")
        if not isinstance(last, date):
            self.problem(nodes.get("last_reviewed", node), "last_reviewed must be YYYY-MM-DD")
            last = None
        source = data.get("source")
        if not isinstance(source, str) or not source.strip():
            self.problem(nodes.get("source", node), "source is missing (a public source or staff)")
        related = self._related(entry_id, data.get("related"), _value_node(node, "related"))
        locales = self._locales(
            data.get("locales"), _value_node(node, "locales"), node, kind != "not_covered"
        )
        if not locales or category is None:
            return None
        return FaqEntry(
            id=entry_id,
            kind=kind or "topic",
            category=category,
            locales=locales,
            related=related,
            action=action,
            review=review or "needed",
            last_reviewed=last,
            source=str(source or ""),
            path=self.shown,
        )

    def _choice(
        self,
        data: dict[Any, Any],
        nodes: dict[str, Node],
        node: Node,
        key: str,
        allowed: tuple[str, ...],
        default: str | None,
    ) -> str | None:
        value = data.get(key, default)
        if value not in allowed:
            where = nodes.get(key, node)
            self.problem(where, f"{key} must be one of {', '.join(allowed)} (got {value!r})")
            return None
        return str(value)

    def _related(self, owner: str, value: Any, node: Node | None) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not isinstance(node, SequenceNode):
            self.problem(node, "related must be a list of entry ids")
            return ()
        found: list[str] = []
        for item, item_node in zip(value, node.value, strict=True):
            if not isinstance(item, str):
                self.problem(item_node, f"related: {item!r} is not an entry id")
                continue
            self.related_refs.append((self.shown, _line(item_node, node), owner, item))
            found.append(item)
        return tuple(found)

    def _locales(
        self, value: Any, node: Node | None, entry: Node, topic: bool
    ) -> dict[str, LocaleText]:
        if not isinstance(value, dict) or not isinstance(node, MappingNode):
            self.problem(node or entry, "locales must be a mapping of locale → question/answer")
            return {}
        nodes = _children(node)
        texts: dict[str, LocaleText] = {}
        for locale in LOCALES:
            if locale not in value:
                self.problem(node, f"missing locale {locale}")
        for locale, body in value.items():
            where = nodes.get(str(locale), node)
            if locale not in LOCALES:
                self.problem(where, f"unknown locale {locale!r} (one of: {', '.join(LOCALES)})")
                continue
            text = self._locale(locale, body, _value_node(node, str(locale)) or where, topic)
            if text is not None:
                texts[locale] = text
        return texts

    def _locale(self, locale: str, body: Any, node: Node, topic: bool) -> LocaleText | None:
        if not isinstance(body, dict) or not isinstance(node, MappingNode):
            self.problem(node, f"{locale}: must have question, alternates and answer")
            return None
        nodes = _children(node)
        for key in body:
            if key not in LOCALE_KEYS:
                self.problem(nodes.get(str(key), node), f"{locale}: unknown field {key!r}")
        question = body.get("question")
        answer = body.get("answer")
        ok = True
        if not isinstance(question, str) or not question.strip():
            self.problem(nodes.get("question", node), f"{locale}: empty question")
            ok = False
        if not isinstance(answer, str) or not answer.strip():
            self.problem(nodes.get("answer", node), f"{locale}: empty answer")
            ok = False
        elif len(answer.strip()) > MAX_ANSWER_CHARS:
            self.problem(
                nodes.get("answer"),
                f"{locale}: answer is {len(answer.strip())} characters "
                f"(at most {MAX_ANSWER_CHARS} fit a chat message)",
            )
        if isinstance(answer, str):
            for name in unknown_placeholders(answer):
                self.problem(
                    nodes.get("answer"),
                    f"{locale}: unknown placeholder {{{name}}} "
                    f"(one of: {', '.join(sorted(PLACEHOLDERS))})",
                )
        alternates = self._phrasings(locale, "alternates", body, node, MIN_ALTERNATES)
        # Situations are what a topic needs; "not covered" entries may list some too.
        situations = self._phrasings(
            locale, "situations", body, node, MIN_SITUATIONS if topic else 0
        )
        if not ok:
            return None
        assert isinstance(question, str) and isinstance(answer, str)
        return LocaleText(question.strip(), alternates, answer.strip(), situations)

    def _phrasings(
        self, locale: str, key: str, body: dict[Any, Any], node: MappingNode, minimum: int
    ) -> tuple[str, ...]:
        """The non-empty strings of list field `key`, with a problem when fewer than `minimum`."""
        value = body.get(key)
        list_node = _value_node(node, key)
        if value is None and minimum == 0:
            return ()
        if not isinstance(value, list) or not isinstance(list_node, SequenceNode):
            self.problem(list_node or node, f"{locale}: {key} must be a list of phrasings")
            return ()
        clean: list[str] = []
        for item, item_node in zip(value, list_node.value, strict=True):
            if not isinstance(item, str) or not item.strip():
                self.problem(item_node, f"{locale}: empty or non-text item in {key}")
            else:
                clean.append(item.strip())
        if len(clean) < minimum:
            self.problem(list_node, f"{locale}: {len(clean)} {key} (at least {minimum} needed)")
        return tuple(clean)


def _children(node: MappingNode) -> dict[str, Node]:
    """Key name → key node (the key's line is where staff look for the field)."""
    return {str(k.value): k for k, _ in node.value if isinstance(k, ScalarNode)}


def _value_node(node: MappingNode, key: str) -> Node | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v
    return None


def _line(node: Node | None, fallback: Node) -> int:
    return (node or fallback).start_mark.line + 1


def required_ids_from_spec(path: Path) -> set[str]:
    """Topic ids listed in a spec file like shared/spec/faq-topics.yaml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        item["id"]
        for items in data.values()
        if isinstance(items, list)
        for item in items
        if isinstance(item, dict) and isinstance(item.get("id"), str)
    }
