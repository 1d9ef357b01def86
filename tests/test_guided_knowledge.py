"""The stand-in FAQ reader, and the switch to services.knowledge once it exists."""

from pathlib import Path
from types import SimpleNamespace

from bot.guided.knowledge import YamlAnswers, answers_for

FAQ = Path(__file__).resolve().parent.parent / "faq"


def test_yaml_answers_in_locale_with_english_fallback(tmp_path: Path) -> None:
    answers = YamlAnswers(FAQ)
    assert "パスポート" in (answers.answer("school.documents", "ja") or "")
    assert answers.answer("no.such.entry", "en") is None
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.yaml").write_text(
        "id: a.b\nlocales:\n  en: {answer: Hello}\n  fr: {answer: ''}\n", encoding="utf-8"
    )
    (tmp_path / "x" / "broken.yaml").write_text("id: [", encoding="utf-8")
    assert YamlAnswers(tmp_path).answer("a.b", "fr") == "Hello"


def test_knowledge_base_is_preferred_when_present() -> None:
    class Entry:
        def answer(self, locale: str) -> str:
            return f"kb:{locale}"

    class Knowledge:
        def entry(self, entry_id: str) -> Entry:
            if entry_id != "school.documents":
                raise KeyError(entry_id)
            return Entry()

    services = SimpleNamespace(knowledge=Knowledge(), settings=SimpleNamespace(faq_dir=FAQ))
    source = answers_for(services)
    assert source.answer("school.documents", "ko") == "kb:ko"
    assert source.answer("missing", "ko") is None
    plain = answers_for(SimpleNamespace(settings=SimpleNamespace(faq_dir=FAQ)))
    assert isinstance(plain, YamlAnswers)
