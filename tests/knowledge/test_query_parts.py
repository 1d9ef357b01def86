"""Message parts (question sentence, terms in another script) and what retrieval does with
them, on messages written for these tests (not from faq/ or the dev sets)."""

from __future__ import annotations

import pytest

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.embedding import encode_batch
from bot.knowledge.query import embedded_terms, message_parts, question_sentence
from bot.knowledge.retrieval import ANSWER


def test_a_long_message_yields_its_question_sentence() -> None:
    text = (
        "We arrived from Lyon in January and the kids are settling in. Our landlord has "
        "been great. How do we get our vaccination records checked for kindergarten?"
    )
    assert question_sentence(text) == (
        "How do we get our vaccination records checked for kindergarten?"
    )
    assert question_sentence("How do we get our records checked?") is None  # one sentence


def test_a_short_question_sentence_takes_the_one_before() -> None:
    text = "Wir sind neu hier. Unser Sohn kommt im Herbst in die erste Klasse. Wann und wie?"
    assert (
        question_sentence(text) == "Unser Sohn kommt im Herbst in die erste Klasse. Wann und wie?"
    )


@pytest.mark.parametrize(
    ("text", "embedded"),
    [
        ("Où est le 派出所 le plus proche ?", "派出所"),
        ("нужно ли делать 临时住宿登记 после переезда", "临时住宿登记"),
        ("我想给孩子找个 bilingual 的 kindergarten", "bilingual kindergarten"),
        ("幼稚園の願書はどこで", None),  # kana: the Han is Japanese itself
        ("where is the clinic", None),
    ],
)
def test_terms_of_another_script(text: str, embedded: str | None) -> None:
    assert embedded_terms(text) == embedded


def test_parts_are_encoded_with_the_message(knowledge: KnowledgeBase) -> None:
    encoders = [d.encoder for d in knowledge.index.live_dense()]
    text = "Où est le 派出所 le plus proche ? Je viens d'arriver avec mes enfants."
    [query] = encode_batch(lambda: encoders, [text])
    parts = message_parts(text).texts()
    assert parts and all(query.part(p, encoders[0].name) is not None for p in parts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a Chinese term inside a French sentence: matched against the Chinese phrasings
        ("Est-ce que je dois refaire le 临时住宿登记 après un déménagement ?",
         "living.accommodation-registration"),
        ("Wo kann ich in Shanghai 挂号 machen, ohne chinesischen Ausweis?", "medical.appointment"),
        # a situation first, then the question
        ("We moved here in March. Work is busy and the flat is small. My daughter starts at a "
         "local school soon but speaks no Mandarin at all. What help can she get in class?",
         "school.chinese-support"),
        # romanised Russian, read back in Cyrillic
        ("gde mozhno sdelat privivku rebenku", "medical.child-vaccinations"),
    ],
)  # fmt: skip
def test_mixed_and_long_messages_find_their_topic(
    knowledge: KnowledgeBase, text: str, expected: str
) -> None:
    decision = knowledge.decide(text)
    assert (decision.outcome, decision.faq_id) == (ANSWER, expected), decision.candidates


def test_the_reading_window_keeps_a_long_messages_beginning_and_end() -> None:
    from bot.knowledge.query import WINDOW_CHARS, reading_window

    half = WINDOW_CHARS // 2
    latin = "ab" * (WINDOW_CHARS // 2)
    assert reading_window(latin) == latin  # 600 characters: read whole
    assert reading_window(latin + "c") == f"{latin[:half]} … {(latin + 'c')[-half:]}"
    han = "医" * WINDOW_CHARS
    assert reading_window(han) == han  # whatever the script (see query.py)
    longer = "学" * 100 + han + "院" * 100
    assert reading_window(longer) == f"{longer[:half]} … {longer[-half:]}"
    assert reading_window("  short question?  ") == "short question?"


def test_the_window_takes_the_question_asked_in_a_long_messages_middle() -> None:
    from bot.knowledge.query import MAX_ASKED_CHARS, reading_window

    story = "We moved here in the summer and the neighbours are kind. " * 6  # 342 characters
    asked = "Which documents does the public school need for our son?"
    text = f"{story}{asked} {story}".strip()
    window = reading_window(text)
    assert asked in window and window == f"{text[:300]} … {asked} … {text[-300:]}"
    # In Chinese, without spaces, a full-width question mark ends the sentence.
    zh = "我们今年夏天搬到古北，邻居都很好。" * 20
    zh_asked = "孩子上小学需要准备什么材料？"
    assert zh_asked in reading_window(f"{zh}{zh_asked}{zh}")
    # No asking sentence in the middle, or only a long one (more story than question):
    # the beginning and the end only.
    plain = (story * 2).strip()
    assert reading_window(plain) == f"{plain[:300]} … {plain[-300:]}"
    rambling = "Where " + "and then we went on " * (MAX_ASKED_CHARS // 20) + "?"
    assert rambling not in reading_window(f"{story}{rambling} {story}")
    # A sentence cut by the window's edge is not taken as the question.
    edge = "x" * 290 + " Where is it? " + "y" * 400
    assert "Where is it?" not in reading_window(edge).split(" … ")[1:-1]
