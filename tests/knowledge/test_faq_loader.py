"""The FAQ loader and `linzhu faq check`: every problem with file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.knowledge.loader import load_faq
from tests.paths import ROOT

BROKEN = ROOT / "tests" / "data" / "faq-broken"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_broken_fixtures_report_file_and_line() -> None:
    result = load_faq(BROKEN)
    shown = {str(p) for p in result.problems}
    expected = {
        "faq-broken/medical/medical.yaml-error.yaml:4: "
        "YAML error: did not find expected ',' or ']'",
        "faq-broken/school/school.bad-values.yaml:4: related: unknown id 'school.nowhere'",
        "faq-broken/school/school.bad-values.yaml:6: "
        "review must be one of ok, needed (got 'maybe')",
        "faq-broken/school/school.empty-answer.yaml:21: en: empty answer",
        "faq-broken/school/school.few-alternates.yaml:13: en: 3 alternates (at least 8 needed)",
        "faq-broken/school/school.missing-locale.yaml:10: missing locale ru",
        "faq-broken/school/school.long-answer.yaml:21: en: answer is 1200 characters "
        "(at most 1000 fit a chat message)",
        "faq-broken/school/school.good.yaml:1: duplicate id 'school.good' "
        "(also in faq-broken/school/school.duplicate.yaml:1)",
    }
    assert expected <= shown, sorted(shown)
    assert any(
        p.startswith("faq-broken/school/school.bad-values.yaml:5: unknown action 'teleport'")
        for p in shown
    )
    assert not result.ok


def test_valid_entries_still_load_beside_broken_ones() -> None:
    result = load_faq(BROKEN)
    assert "school.missing-locale" in result.entries
    entry = result.entries["school.missing-locale"]
    assert entry.answer("ru") == entry.answer("en") == "An answer in en."
    assert entry.answer("ja") == "An answer in ja."
    assert "medical.yaml-error" not in result.entries


def test_duplicate_yaml_keys_are_reported(tmp_path: Path) -> None:
    source = (BROKEN / "school" / "school.good.yaml").read_text()
    folder = tmp_path / "faq" / "school"
    folder.mkdir(parents=True)
    (folder / "school.good.yaml").write_text(source.replace("review: ok", "review: ok\nreview: ok"))
    problems = [str(p) for p in load_faq(tmp_path / "faq").problems]
    assert "faq/school/school.good.yaml:7: duplicate key 'review'" in problems


def test_check_passes_on_the_real_faq() -> None:
    done = _run("faq", "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problems" in done.stdout


def test_check_fails_on_broken_files() -> None:
    done = _run("faq", "check", "--dir", str(BROKEN))
    assert done.returncode == 1
    assert "faq-broken/school/school.empty-answer.yaml:21: en: empty answer" in done.stdout


def test_real_faq_covers_every_locale_and_limit() -> None:
    result = load_faq(ROOT / "faq")
    assert result.ok, [str(p) for p in result.problems]
    topics = [e for e in result.entries.values() if e.is_topic]
    assert len(topics) >= 44
    assert sum(1 for e in result.entries.values() if e.kind == "not_covered") >= 8


def test_stats_lists_categories_and_review() -> None:
    done = _run("faq", "stats")
    assert done.returncode == 0
    assert "medical" in done.stdout and "Needing review" in done.stdout
    assert "ko" in done.stdout
