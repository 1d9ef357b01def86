"""Live reload: edits are picked up, broken files never replace a working index."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.reload import FaqReloader, pid_file, signal_servers
from tests.paths import ROOT

FAQ = ROOT / "faq"


def _copy_faq(tmp_path: Path) -> Path:
    target = tmp_path / "faq"
    shutil.copytree(FAQ, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    # Same-second edits must still change the stamp: bump the mtime explicitly.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))


def test_reload_applies_valid_edits_and_keeps_old_index_on_errors(tmp_path: Path) -> None:
    faq = _copy_faq(tmp_path)
    kb = KnowledgeBase(faq)  # lexical only: fast, same reload path
    entry_file = faq / "school" / "school.fees.yaml"
    before = kb.entry("school.fees")
    assert before is not None and not kb.changed_on_disk()

    _edit(entry_file, "answer: |\n", "answer: |\n      NEW FEES TEXT.\n")
    assert kb.changed_on_disk()
    result = kb.reload()
    assert result.ok and result.changed
    new_entry = kb.entry("school.fees")
    assert new_entry is not None and new_entry.answer("en").startswith("NEW FEES TEXT.")

    old_hash = kb.content_hash
    _edit(entry_file, "review:", "review: [broken\nx:")
    result = kb.reload()
    assert not result.ok and not result.changed
    assert any("school.fees.yaml" in str(p) for p in result.problems)
    assert kb.content_hash == old_hash
    kept = kb.entry("school.fees")
    assert kept is not None and kept.answer("en").startswith("NEW FEES TEXT.")
    assert kb.decide("how much does school cost").faq_id == "school.fees"


async def test_reloader_polls_and_answers_sighup(tmp_path: Path) -> None:
    faq = _copy_faq(tmp_path)
    kb = KnowledgeBase(faq)
    run_dir = tmp_path / "run"
    reloader = FaqReloader(kb, run_dir, interval=0.05)
    await reloader.start()
    try:
        assert pid_file(run_dir).read_text() == str(os.getpid())
        _edit(faq / "medical" / "medical.dental.yaml", "answer: |\n", "answer: |\n      POLLED.\n")
        for _ in range(100):
            await asyncio.sleep(0.05)
            entry = kb.entry("medical.dental")
            if entry is not None and entry.answer("en").startswith("POLLED."):
                break
        else:
            raise AssertionError("the edit was not picked up")

        reloader.interval = 3600  # from now on only SIGHUP can trigger a reload
        await asyncio.sleep(0.1)
        (faq / "medical" / "medical.dental.yaml").write_text(
            (faq / "medical" / "medical.dental.yaml")
            .read_text(encoding="utf-8")
            .replace("POLLED.", "SIGNALLED."),
            encoding="utf-8",
        )
        assert signal_servers(run_dir) == [os.getpid()]
        for _ in range(100):
            await asyncio.sleep(0.05)
            entry = kb.entry("medical.dental")
            if entry is not None and entry.answer("en").startswith("SIGNALLED."):
                break
        else:
            raise AssertionError("SIGHUP did not reload")
    finally:
        await reloader.stop()
    assert not pid_file(run_dir).exists()


def test_stale_pid_files_are_removed(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    stale = run_dir / "serve-999999.pid"
    stale.write_text("999999")
    assert signal_servers(run_dir) == []
    assert not stale.exists()
