"""A third set of emergency and ordinary messages, written by the lead before reading the
phrase list: 27/30 were caught then (90%); the three misses ("having a fit", Cantonese 白車,
an overdose of sleeping pills in Chinese) were added to the list and are kept here. Since
v2 the whole detector answers: every emergency is caught (fired or asked), no ordinary
question fires, and the phrase list alone still catches each emergency."""

import pytest

from bot.config import load_settings
from bot.guided.emergency import EmergencyDetector, default_matcher
from bot.knowledge.base import KnowledgeBase

EMERGENCIES = [
    "my wife collapsed in the kitchen and won't wake up", "he's turning blue, please help",
    "my daughter swallowed bleach", "there's blood everywhere, he cut his arm badly",
    "my dad's face is drooping and he can't lift his arm", "baby is having a fit, eyes rolling",
    "我老公突然倒地不省人事", "孩子抽搐了怎么办快", "我妈说话不清楚，半边脸歪了", "出血止不住",
    "父が倒れて意識がありません", "子供がけいれんしています", "息をしていない",
    "아빠가 쓰러져서 의식이 없어요", "아이가 경련을 해요", "피가 멈추지 않아요",
    "mon mari ne respire plus", "ma fille fait une crise de convulsions", "il saigne beaucoup",
    "mein Vater ist bewusstlos", "mein Kind krampft", "er hat starke Brustschmerzen",
    "mi hijo no respira", "mi madre se desmayó y no despierta", "sangra mucho de la cabeza",
    "у мужа сильная боль в груди", "ребёнок не дышит", "вызовите скорую",
    "我哋需要白車", "我朋友吃了好多安眠藥",
]  # fmt: skip
ORDINARY = [
    "my child has a mild fever, which hospital?", "where can I get a flu shot",
    "dentist that speaks English", "我孩子感冒了去哪个医院", "健康診断はどこで受けられますか",
    "치과 예약하고 싶어요", "mon fils tousse depuis deux jours", "Kinderarzt in Changning?",
    "¿dónde hay una farmacia abierta?", "нужен педиатр для ребёнка",
    "how does health insurance work here",
]  # fmt: skip


@pytest.fixture(scope="module")
def detector(knowledge: KnowledgeBase) -> EmergencyDetector:
    return EmergencyDetector.for_knowledge(knowledge, load_settings(_env_file=None).faq_cache_dir)


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergency_is_caught(
    detector: EmergencyDetector, knowledge: KnowledgeBase, text: str
) -> None:
    assert default_matcher().detect(text) is not None
    assert detector.assess(text, knowledge.embedder.embed_now(text)).action != "none"


def test_ordinary_questions_are_not_emergencies(
    detector: EmergencyDetector, knowledge: KnowledgeBase
) -> None:
    actions = [detector.assess(t, knowledge.embedder.embed_now(t)).action for t in ORDINARY]
    assert all(default_matcher().detect(t) is None for t in ORDINARY)
    assert "fire" not in actions
    # A cough of two days still gets "Is someone in danger?" in front of its answer.
    assert actions.count("ask") <= 1
