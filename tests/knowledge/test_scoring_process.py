"""FAQ encoding and scoring in a child process: the same decisions as in-process, the
vectors shared with the emergency guard, staff's alternates followed, and a child that
dies replaced while questions are scored in-process meanwhile."""

from __future__ import annotations

import asyncio
import os
import runpy
import signal
from collections.abc import AsyncIterator

import numpy as np
import pytest

from bot.config import load_settings
from bot.knowledge import scoring_process
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.query import reading_window
from bot.knowledge.scoring_process import child_config

QUESTIONS = [
    "How do I enrol my daughter in a public primary school?",
    "孩子上小学需要准备什么材料？",
    "kak pomenyat yazyk",  # romanised Russian: read in Cyrillic before scoring
    "Où trouver un médecin qui parle anglais ?",
]


@pytest.fixture
async def kb() -> AsyncIterator[KnowledgeBase]:
    settings = load_settings(_env_file=None)
    knowledge = KnowledgeBase.from_settings(
        settings.faq_dir, settings.faq_encoder, settings.faq_cache_dir
    )
    knowledge.start_scoring(child_config(settings))
    await ready(knowledge)
    yield knowledge
    knowledge.stop_scoring()


async def ready(knowledge: KnowledgeBase, within: float = 120) -> None:
    assert knowledge.scoring is not None
    for _ in range(int(within * 10)):
        if knowledge.scoring.ready:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the scoring process did not start")


def summary(knowledge: KnowledgeBase, text: str) -> tuple[object, ...]:
    decision = knowledge.decide(text)
    return decision.outcome, decision.faq_id, [c.faq_id for c in decision.candidates]


async def test_the_child_scores_and_decides_as_the_server_would(kb: KnowledgeBase) -> None:
    assert kb.scoring is not None
    before = kb.scoring.batches
    for text in QUESTIONS:
        await kb.prepare(text)
        ahead = await kb.adecide(text)
        assert (ahead.outcome, ahead.faq_id, [c.faq_id for c in ahead.candidates]) == summary(
            kb, text
        ), text
    assert kb.scoring.batches > before  # the child did the work


async def test_the_guard_gets_the_vectors_without_encoding_again(kb: KnowledgeBase) -> None:
    text = "Where can I find a doctor who speaks English? (guard)"
    await kb.prepare(text)
    encoded = kb.embedder.encoded
    vectors = await kb.embed(text)
    assert vectors is not None and vectors.text == text
    assert kb.embedder.encoded == encoded


LONG = (
    "We moved to Gubei in the summer and the neighbours have been lovely to us. "
    "My son turns six in May. Which documents does the public primary school need to "
    "enrol him, and do they need translations? "
) * 8


async def test_a_long_message_is_scored_in_the_child_as_in_process(kb: KnowledgeBase) -> None:
    assert kb.scoring is not None
    before = kb.scoring.batches
    await kb.prepare(LONG)
    assert kb.scoring.batches == before + 1
    ahead = await kb.adecide(LONG)
    assert (ahead.outcome, ahead.faq_id, [c.faq_id for c in ahead.candidates]) == summary(kb, LONG)


async def test_the_guard_gets_a_long_messages_window_vectors_without_encoding_again(
    kb: KnowledgeBase,
) -> None:
    await kb.prepare(LONG + " (guard)")
    encoded, trips = kb.embedder.encoded, kb.scoring.encodings if kb.scoring else 0
    window = reading_window(LONG + " (guard)")
    vectors = await kb.embed(window)  # what the guard asks (bot/handlers/emergency/guard.py)
    assert vectors is not None and vectors.text == window != LONG
    assert kb.embedder.encoded == encoded
    assert kb.scoring is not None and kb.scoring.encodings == trips


async def test_the_guards_own_encodings_run_in_the_child(kb: KnowledgeBase) -> None:
    assert kb.scoring is not None
    before = kb.scoring.encodings
    text = "There is smoke coming from the kitchen next door"  # the guard reads any text
    vectors = await kb.embed(text)
    assert kb.scoring.encodings == before + 1
    assert vectors is not None
    here = kb.embedder.embed_now(text)
    for name, vector in here.by_encoder.items():
        assert np.allclose(vectors.by_encoder[name], vector, atol=1e-5)


async def test_questions_arriving_together_share_one_trip(kb: KnowledgeBase) -> None:
    assert kb.scoring is not None
    before = kb.scoring.batches
    texts = [f"{q} ({n})" for n, q in enumerate(QUESTIONS * 3)]
    await asyncio.gather(*(kb.prepare(t) for t in texts))
    assert kb.scoring.batches - before < len(texts)


async def test_alternates_staff_add_reach_the_child(kb: KnowledgeBase) -> None:
    text = "zebra crossing permit for the moon"
    assert kb.decide(text).faq_id != "school.documents"
    kb.set_overlay({"school.documents": {"en": (text,)}})
    await kb.prepare(text)
    ahead = await kb.adecide(text)
    assert ahead.faq_id == "school.documents" == kb.decide(text).faq_id


async def test_a_child_that_dies_is_replaced_and_questions_still_answered(
    kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    scoring = kb.scoring
    assert scoring is not None and scoring._executor is not None
    monkeypatch.setattr(scoring_process, "RESTART_PAUSE", 0.0)
    for pid in list(scoring._executor._processes):
        os.kill(pid, signal.SIGKILL)
    text = QUESTIONS[0] + " (after)"
    await kb.prepare(text)  # the dead child's batch fails: scored in-process instead
    ahead = await kb.adecide(text)
    assert ahead.faq_id == kb.decide(text).faq_id
    assert not scoring.ready
    await kb.prepare(text + "!")  # starts a new child
    await ready(kb)
    batches = scoring.batches
    await kb.prepare(text + "?")
    assert scoring.batches == batches + 1


def test_importing_the_entry_point_runs_nothing() -> None:
    """A spawned child imports the parent's `python -m bot` module as __mp_main__."""
    runpy.run_module("bot.__main__", run_name="__mp_main__")  # no CLI, no SystemExit


@pytest.mark.parametrize(
    ("setting", "cores", "web_processes", "wanted"),
    [
        ("auto", 2, 1, True),  # one worker: the second core is the child's
        ("auto", 2, 2, False),  # every core has a web worker already
        ("auto", 1, 1, False),
        ("on", 1, 1, True),
        ("off", 8, 1, False),
    ],
)
def test_a_scoring_process_is_started_when_a_core_is_free(
    setting: str, cores: int, web_processes: int, wanted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.web import serve

    monkeypatch.setattr(serve, "usable_cores", lambda: cores)
    settings = load_settings(_env_file=None, faq_scoring_process=setting)
    assert serve.wants_scoring_process(settings, web_processes) is wanted
