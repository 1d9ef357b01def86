"""The start-up heap is frozen out of full collections, and stays collectable by
reference counting: an FAQ index replaced by a reload is freed (bot/core/heap.py)."""

from __future__ import annotations

import gc
import shutil
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core import heap
from bot.knowledge.base import KnowledgeBase
from tests.paths import ROOT


@pytest.fixture
def settled() -> Iterator[None]:
    heap.settle("test")
    try:
        yield
    finally:
        heap.unsettle()


def _tracked(obj: object) -> bool:
    """Whether the collector still walks `obj` (frozen objects are in no generation)."""
    return any(o is obj for o in gc.get_objects())


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_settle_freezes_what_lives_and_still_collects_what_comes_later(settled: None) -> None:
    assert gc.get_freeze_count() > 10_000
    assert not _tracked(heap)  # start-up objects: skipped by every collection
    later = _Node()
    assert _tracked(later)
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None


def test_a_process_that_never_settled_is_left_alone() -> None:
    before = gc.get_freeze_count()
    heap.settle_again("faq reload")
    assert gc.get_freeze_count() == before == 0


def test_an_index_replaced_by_a_reload_is_freed_and_the_new_one_frozen(
    tmp_path: Path, settled: None
) -> None:
    faq = tmp_path / "faq"
    shutil.copytree(ROOT / "faq", faq)
    kb = KnowledgeBase(faq)  # lexical only: the same reload path
    heap.settle("test: the knowledge base built")
    old = weakref.ref(kb.index)
    assert not _tracked(kb.index)

    path = faq / "school" / "school.fees.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert kb.reload().changed
    assert old() is None  # freed by reference counting, though frozen
    assert not _tracked(kb.index)  # the new index was frozen in its turn
