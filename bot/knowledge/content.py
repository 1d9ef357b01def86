"""The directories and phrase cards the flows show, loaded once per file version.

A file that fails validation is logged and treated as empty, so a staff typo never
breaks the conversation; `linzhu directory check` names the problem and its line.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from bot.knowledge.directory import Directory, load_directory
from bot.knowledge.emergency_extras import EmergencyExtra, extras_path, load_extras
from bot.knowledge.phrases import PhraseCard, load_phrases

log = logging.getLogger(__name__)


def medical_directory_path(faq_dir: Path) -> Path:
    return faq_dir / "directory" / "medical.yaml"


def schools_directory_path(faq_dir: Path) -> Path:
    return faq_dir / "directory" / "schools.yaml"


def medical_phrases_path(faq_dir: Path) -> Path:
    return faq_dir / "phrases" / "medical.yaml"


def emergency_extras(faq_dir: Path) -> list[EmergencyExtra]:
    """faq/emergency/extras.yaml (confirmed and unconfirmed items; a missing file: none)."""
    path = extras_path(faq_dir)
    return _extras(path, _mtime(path))


def directory(path: Path, kind: str) -> Directory:
    return _directory(path, kind, _mtime(path))


def phrases(path: Path) -> list[PhraseCard]:
    return _phrases(path, _mtime(path))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


@lru_cache(maxsize=8)
def _directory(path: Path, kind: str, mtime: float) -> Directory:
    try:
        return load_directory(path)
    except (ValueError, OSError) as exc:
        log.error("directory %s not loaded: %s", path, exc)
        return Directory(kind, ())


@lru_cache(maxsize=4)
def _phrases(path: Path, mtime: float) -> list[PhraseCard]:
    try:
        return load_phrases(path)
    except (ValueError, OSError) as exc:
        log.error("phrase cards %s not loaded: %s", path, exc)
        return []


@lru_cache(maxsize=4)
def _extras(path: Path, mtime: float) -> list[EmergencyExtra]:
    if mtime < 0:
        return []
    try:
        return load_extras(path)
    except (ValueError, OSError) as exc:
        log.error("emergency extras %s not loaded: %s", path, exc)
        return []
