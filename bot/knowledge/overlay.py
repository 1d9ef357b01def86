"""Staff-added alternates (the FAQ overlay, kept in the database) merged into faq/'s entries.

Pure data in, entries out: the knowledge base applies it whenever it builds a snapshot, so
a reload of faq/ keeps the overlay and a new overlay keeps the files' version.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from bot.i18n.locales import DEFAULT_LOCALE, LOCALES
from bot.knowledge.model import FaqEntry

log = logging.getLogger(__name__)

# faq_id → locale → alternates
Overlay = Mapping[str, Mapping[str, Sequence[str]]]


def normalise(overlay: Overlay) -> dict[str, dict[str, tuple[str, ...]]]:
    """Known locales only, blanks and repeats dropped, in a stable order."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for faq_id in sorted(overlay):
        per: dict[str, tuple[str, ...]] = {}
        for locale in sorted(overlay[faq_id]):
            if locale not in LOCALES:
                continue
            texts = tuple(dict.fromkeys(t.strip() for t in overlay[faq_id][locale] if t.strip()))
            if texts:
                per[locale] = texts
        if per:
            out[faq_id] = per
    return out


def digest(overlay: Overlay) -> str:
    return hashlib.sha256(json.dumps(normalise(overlay), sort_keys=True).encode()).hexdigest()


def merge(entries: Mapping[str, FaqEntry], overlay: Overlay) -> dict[str, FaqEntry]:
    """The entries with the overlay's alternates appended (phrasings already there are skipped).

    An alternate in a locale the entry lacks goes to its English phrasings: retrieval compares
    across languages, and an entry cannot gain a locale without a question and an answer.
    """
    merged = dict(entries)
    for faq_id, per_locale in normalise(overlay).items():
        entry = merged.get(faq_id)
        if entry is None:
            log.warning(
                "faq overlay: no entry %r (renamed or removed?); its alternates wait", faq_id
            )
            continue
        locales = dict(entry.locales)
        for locale, texts in per_locale.items():
            target = locale if locale in locales else DEFAULT_LOCALE
            if target not in locales:
                continue
            text = locales[target]
            known = {p.casefold() for p in text.phrasings}
            extra = tuple(t for t in texts if t.casefold() not in known)
            if extra:
                locales[target] = replace(text, alternates=(*text.alternates, *extra))
        merged[faq_id] = replace(entry, locales=locales)
    return merged
