"""The guided flows read FAQ answers from the knowledge base, in the user's locale."""

from types import SimpleNamespace

from bot.knowledge.answers import answers_for
from bot.knowledge.base import KnowledgeBase


def test_answers_come_from_the_knowledge_base(knowledge: KnowledgeBase) -> None:
    source = answers_for(SimpleNamespace(knowledge=knowledge))
    ja = source.answer("school.documents", "ja")
    en = source.answer("school.documents", "en")
    assert ja and en and ja != en
    assert ja == knowledge.entry("school.documents").answer("ja").strip()  # type: ignore[union-attr]
    assert source.answer("no.such-entry", "en") is None


def test_no_knowledge_base_means_no_answers() -> None:
    assert answers_for(SimpleNamespace(knowledge=None)).answer("school.documents", "en") is None
