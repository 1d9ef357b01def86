"""FAQ answers for the guided flows, through the smallest interface they need.

LEAD: a KnowledgeBase loader is being built elsewhere (future API:
`services.knowledge.entry(id).answer(locale)`). `answers_for` already prefers
`services.knowledge` when it exists; once it is in main, delete `YamlAnswers` and the
fallback below. Until then this reads the FAQ YAML files directly.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import yaml

from bot.i18n.locales import DEFAULT_LOCALE


class AnswerSource(Protocol):
    def answer(self, entry_id: str, locale: str) -> str | None:
        """The entry's answer in `locale` (English if missing there); None if no entry."""


class YamlAnswers:
    """Answers straight from faq/<category>/<id>.yaml (stand-in for the KnowledgeBase)."""

    def __init__(self, faq_dir: Path) -> None:
        self.faq_dir = faq_dir
        self._entries: dict[str, dict[str, Any]] = {}
        for path in sorted(faq_dir.glob("*/*.yaml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, yaml.YAMLError):
                continue  # `linzhu faq check` reports broken files; the flows carry on
            if isinstance(data, dict) and isinstance(data.get("id"), str):
                self._entries[data["id"]] = data

    def answer(self, entry_id: str, locale: str) -> str | None:
        locales = (self._entries.get(entry_id) or {}).get("locales") or {}
        for code in (locale, DEFAULT_LOCALE):
            text = (locales.get(code) or {}).get("answer")
            if isinstance(text, str) and text.strip():
                return text.strip()
        return None


class _KnowledgeAdapter:
    def __init__(self, knowledge: Any) -> None:
        self.knowledge = knowledge

    def answer(self, entry_id: str, locale: str) -> str | None:
        try:
            entry = self.knowledge.entry(entry_id)
            return None if entry is None else str(entry.answer(locale)).strip()
        except (KeyError, LookupError):
            return None


@lru_cache(maxsize=8)
def _yaml_answers(faq_dir: Path) -> YamlAnswers:
    return YamlAnswers(faq_dir)


def answers_for(services: Any) -> AnswerSource:
    knowledge = getattr(services, "knowledge", None)
    if knowledge is not None:
        return _KnowledgeAdapter(knowledge)
    return _yaml_answers(Path(services.settings.faq_dir))
