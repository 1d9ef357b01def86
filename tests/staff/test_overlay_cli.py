"""The FAQ overlay end to end without a browser: an alternate added in the database is what
`linzhu ask` answers with, and `linzhu faq export-overlay` writes it in faq/'s format."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.cli.main import main
from bot.config import get_settings
from bot.knowledge.base import KnowledgeBase
from bot.store.db import Database
from bot.store.staff.overlay import FaqOverlayStore
from tests.paths import ROOT

QUESTION = "where do I adopt a parrot in Gubei"


@pytest.fixture
def cli_env(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", db.url)
    if db.schema:
        monkeypatch.setenv("DATABASE_SCHEMA", db.schema)
    monkeypatch.setenv("FAQ_DIR", str(ROOT / "faq"))
    # A copy of the vector cache: the overlay's index may write it, and tests run in parallel.
    cache = tmp_path / "faq-cache"
    shutil.copytree(ROOT / "var" / "faq-cache", cache)
    monkeypatch.setenv("FAQ_CACHE_DIR", str(cache))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def ask(capsys: pytest.CaptureFixture[str], *flags: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(["ask", "--json", *flags, QUESTION]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_ask_answers_with_an_alternate_added_to_the_overlay(
    cli_env: Path, db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ask(capsys)["faq_id"] is None
    added = asyncio.run(_add(db.url, db.schema))
    assert added
    assert ask(capsys)["faq_id"] == "living.community-centre"
    assert ask(capsys, "--no-overlay")["faq_id"] is None  # faq/ alone, for evaluations

    out = cli_env / "overlay.yaml"
    assert main(["faq", "export-overlay", "--output", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "# add to faq/living/living.community-centre.yaml" in text
    (doc,) = list(yaml.safe_load_all(text))
    assert doc == {"id": "living.community-centre", "locales": {"en": {"alternates": [QUESTION]}}}


async def _add(url: str, schema: str | None) -> bool:
    db = Database(url, schema=schema)
    try:
        return await FaqOverlayStore(db).add(
            "living.community-centre", "en", QUESTION, added_by="test"
        )
    finally:
        await db.dispose()


def test_overlay_survives_a_reload_and_goes_away_when_removed(knowledge: KnowledgeBase) -> None:
    kb = KnowledgeBase(knowledge.faq_dir, knowledge.encoders, None)
    assert kb.decide(QUESTION).faq_id is None
    assert kb.set_overlay({"living.community-centre": {"en": [QUESTION], "xx": ["ignored"]}})
    assert not kb.set_overlay({"living.community-centre": {"en": [QUESTION]}})  # unchanged
    entry = kb.entry("living.community-centre")
    assert entry is not None and QUESTION in entry.locales["en"].alternates
    assert kb.decide(QUESTION).faq_id == "living.community-centre"
    kb._files = (kb._files[0], "stale")  # force the reload to rebuild from faq/
    assert kb.reload().changed
    assert kb.decide(QUESTION).faq_id == "living.community-centre"  # the overlay stays
    assert kb.set_overlay({})
    assert kb.decide(QUESTION).faq_id is None
