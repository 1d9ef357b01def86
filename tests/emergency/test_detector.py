"""The detector as the server builds it: the phrase list, a semantic head over the FAQ's
encoder (USE by default) and the framing. Messages here were written for the tests and are
not in the training data (checked below)."""

from __future__ import annotations

import json

import pytest
import yaml

from bot.config import load_settings
from bot.guided.emergency import EmergencyDetector, Verdict, default_matcher, kind_of
from bot.guided.emergency.detector import Thresholds, decide, second_opinion
from bot.guided.emergency.phrases import Detection
from bot.guided.emergency.semantic import CLASSES, Bank, Scores
from bot.guided.emergency.training import TRAINING_DIR
from bot.i18n.locales import LOCALES
from bot.knowledge.base import KnowledgeBase
from tests.paths import DATA

KIND_MESSAGES = yaml.safe_load((DATA / "emergency_kinds.yaml").read_text(encoding="utf-8"))
RECALL = yaml.safe_load((DATA / "emergency_recall.yaml").read_text(encoding="utf-8"))
FALSE_ALARMS = yaml.safe_load((DATA / "emergency_false_alarms.yaml").read_text(encoding="utf-8"))

# Not emergencies, though each has an emergency word in it: a cost or number question, a
# hypothetical, a figure of speech, a negation, the past, a course.
NOT_EMERGENCIES = {
    "en": [
        "how much does an ambulance ride cost in Shanghai",
        "what would I do if my kid swallowed a battery, just asking",
        "this traffic is killing me lol",
        "no fever and no chest pain, just tired",
        "my son broke his arm two years ago, does the school need to know?",
    ],
    "fr": [
        "une ambulance, ça coûte combien ici ?",
        "que faire si mon enfant avale une pile ? c'est pour savoir",
        "ce trafic me tue mdr",
        "pas de fièvre ni de douleur à la poitrine, juste fatiguée",
        "mon fils s'est cassé le bras il y a deux ans, l'école doit le savoir ?",
    ],
    "de": [
        "muss man den krankenwagen hier selbst bezahlen?",
        "was tun, falls mein kind eine batterie verschluckt? nur zur info",
        "dieser verkehr bringt mich um lol",
        "kein fieber und keine brustschmerzen, nur müde",
        "mein sohn hat sich vor zwei jahren den arm gebrochen, muss die schule das wissen?",
    ],
    "es": [
        "¿hay que pagar la ambulancia aquí?",
        "¿qué hago si mi hijo se traga una pila? es por saberlo",
        "este tráfico me mata jaja",
        "sin fiebre ni dolor de pecho, solo cansada",
        "mi hijo se rompió el brazo hace dos años, ¿lo tiene que saber el colegio?",
    ],
    "ru": [
        "сколько стоит скорая в шанхае?",
        "что делать если ребенок проглотит батарейку? просто на всякий случай",
        "эти пробки меня убивают лол",
        "нет температуры и боли в груди, просто устала",
        "сын сломал руку два года назад, нужно ли говорить школе?",
    ],
    "zh_Hans": [
        "上海叫救护车要多少钱",
        "如果孩子吞了电池怎么办？先了解一下",
        "堵车堵得我要死了哈哈",
        "没有发烧也没有胸痛，就是累",
        "儿子两年前胳膊骨折过，要告诉学校吗？",
    ],
    "zh_Hant": [
        "上海叫救護車要幾多錢",
        "如果小朋友吞了電池點算？想先了解",
        "塞車塞到想死哈哈",
        "沒有發燒也沒有胸口痛，只是累",
        "兒子兩年前手臂骨折過，要告訴學校嗎？",
    ],
    "ja": [
        "上海で救急車を呼ぶといくらかかる？",
        "もし子どもが電池を飲み込んだらどうする？念のため知りたい",
        "この渋滞、死ぬ笑",
        "熱も胸の痛みもなくて、ただ疲れてるだけ",
        "息子が2年前に腕を骨折したけど学校に伝えるべき？",
    ],
    "ko": [
        "상하이 구급차 부르면 얼마예요?",
        "만약 아이가 건전지를 삼키면 어떻게 해요? 미리 알아두려고요",
        "차 막혀서 죽겠어요 ㅋㅋ",
        "열도 없고 가슴 통증도 없어요 그냥 피곤해요",
        "아들이 2년 전에 팔이 부러졌었는데 학교에 말해야 해요?",
    ],
}


@pytest.fixture(scope="module")
def detector(knowledge: KnowledgeBase) -> EmergencyDetector:
    return EmergencyDetector.for_knowledge(knowledge, load_settings(_env_file=None).faq_cache_dir)


def verdict(
    detector: EmergencyDetector, knowledge: KnowledgeBase, text: str, **kw: bool
) -> Verdict:
    return detector.assess(text, knowledge.embedder.embed_now(text), **kw)


def test_test_messages_are_not_training_data() -> None:
    training = {
        json.loads(line)["text"].strip().casefold()
        for path in TRAINING_DIR.rglob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    mine = [m for kinds in KIND_MESSAGES.values() for ms in kinds.values() for m in ms]
    mine += [m for ms in NOT_EMERGENCIES.values() for m in ms]
    assert [m for m in mine if m.strip().casefold() in training] == []


def test_the_semantic_signal_is_there(detector: EmergencyDetector) -> None:
    assert detector.encoder_names  # the FAQ's encoder: no second model


@pytest.mark.parametrize("locale", LOCALES)
def test_every_kind_is_caught_with_the_right_number(
    detector: EmergencyDetector, knowledge: KnowledgeBase, locale: str
) -> None:
    assert set(KIND_MESSAGES[locale]) == set(CLASSES[1:])
    missed, wrong, fired = [], [], 0
    for kind, messages in KIND_MESSAGES[locale].items():
        for message in messages:
            v = verdict(detector, knowledge, message)
            if v.action == "none":
                missed.append(message)
            elif v.fires:
                fired += 1
                if kind_of(v.kind).first_service != kind_of(kind).first_service:
                    wrong.append((message, v.kind))
    assert missed == [] and wrong == []
    assert fired >= 16  # at least half answered at once, not asked first


@pytest.mark.parametrize("locale", LOCALES)
def test_negations_hypotheticals_and_costs_do_not_fire(
    detector: EmergencyDetector, knowledge: KnowledgeBase, locale: str
) -> None:
    verdicts = {m: verdict(detector, knowledge, m) for m in NOT_EMERGENCIES[locale]}
    assert [m for m, v in verdicts.items() if v.fires] == []
    cost, hypothetical = NOT_EMERGENCIES[locale][:2]
    assert verdicts[cost].action == "none" and verdicts[hypothetical].action == "none"


@pytest.mark.parametrize("locale", LOCALES)
def test_older_lists(detector: EmergencyDetector, knowledge: KnowledgeBase, locale: str) -> None:
    missed = [m for m in RECALL[locale] if verdict(detector, knowledge, m).action == "none"]
    fired = [m for m in FALSE_ALARMS[locale] if verdict(detector, knowledge, m).fires]
    assert (missed, fired) == ([], [])


@pytest.mark.parametrize(
    "text", ["mio figlio non respira più, aiuto", "meu filho caiu da janela e não acorda"]
)
def test_a_language_without_phrases_fires_on_the_semantic_signal(
    detector: EmergencyDetector, knowledge: KnowledgeBase, text: str
) -> None:
    assert verdict(detector, knowledge, text).action == "ask"  # both signals needed…
    assert verdict(detector, knowledge, text, covered=False).fires  # …but there is one


def test_without_an_encoder_the_phrase_list_decides() -> None:
    phrases_only = EmergencyDetector(default_matcher())
    assert phrases_only.assess("my baby is not breathing").fires
    assert phrases_only.assess("my baby is not breathing").signal == "phrase"
    assert phrases_only.assess("how much does an ambulance cost?").action == "none"
    assert phrases_only.assess("something is very wrong with my dad").action == "none"


def scores(p: float, kind: str = "fire") -> Scores:
    import numpy as np

    probabilities = np.full(len(CLASSES), p / (len(CLASSES) - 1))
    probabilities[0] = 1 - p
    probabilities[CLASSES.index(kind)] += 0.001
    return Scores(probabilities / probabilities.sum())


FIRE = Detection("en", "fire", "fire", 4)
GENERAL = Detection("en", "ambulance", "general", 9)


@pytest.mark.parametrize(
    ("hits", "about", "p", "action"),
    [
        ([FIRE], False, 0.9, "fire"),  # both signals agree
        ([FIRE], False, 0.05, "ask"),  # the phrase says yes, the semantic signal no
        ([], False, 0.99, "ask"),  # the semantic signal alone never fires
        ([], False, 0.5, "ask"),
        ([], False, 0.1, "none"),
        ([GENERAL], False, 0.9, "fire"),
        ([GENERAL], False, 0.05, "ask"),  # "ambulance!" alone: ask
        ([FIRE], True, 0.7, "ask"),  # framed "about" but a phrase and a strong signal: ask
        ([FIRE], True, 0.2, "none"),
        ([], True, 0.9, "none"),
    ],
)
def test_decision_table(hits: list[Detection], about: bool, p: float, action: str) -> None:
    assert decide(hits, about, scores(p), Thresholds()).action == action


def test_a_question_for_information_needs_a_surer_semantic_signal() -> None:
    t = Thresholds()
    between = (t.ask + t.ask_question) / 2
    assert decide([], False, scores(between), t).action == "ask"
    assert decide([], False, scores(between), t, question=True).action == "none"
    assert decide([], False, scores(t.ask_question + 0.05), t, question=True).action == "ask"
    assert decide([FIRE], False, scores(0.9), t, question=True).action == "fire"  # a phrase


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("which pharmacy near Gubei sells plasters?", True),
        ("静安寺附近哪家药店开门", True),
        ("wo kann ich hier einen Kinderarzt finden", True),
        ("he's lying on the floor and won't answer", False),
        ("哪里都找不到我女儿", False),  # "nowhere", not a question
        ("keine Ahnung wie viele Tabletten er genommen hat", False),
    ],
)
def test_questions_for_information(text: str, question: bool) -> None:
    assert default_matcher().framing(text).question is question


@pytest.mark.parametrize("text", ["10/05/2020", "2019-05-03", "13:30", "+86 138 1234 5678", "3"])
def test_a_message_without_letters_is_left_alone(
    detector: EmergencyDetector, knowledge: KnowledgeBase, text: str
) -> None:
    assert verdict(detector, knowledge, text).action == "none"


def test_the_semantic_signal_alone_asks_only_with_an_emergency_nearby() -> None:
    t = Thresholds()
    unsure = decide([], False, scores(0.5), t)
    assert unsure.action == "ask" and unsure.signal == "semantic"
    assert second_opinion(unsure, 0.0, t).action == "none"  # only ordinary messages near
    assert second_opinion(unsure, 0.3, t).action == "ask"
    assert second_opinion(unsure, None, t).action == "ask"  # no bank: as before
    sure = decide([], False, scores(0.9), t)
    assert second_opinion(sure, 0.0, t).action == "ask"  # sure enough on its own
    phrase = decide([FIRE], False, scores(0.05), t)
    assert second_opinion(phrase, 0.0, t).action == "ask"  # a phrase spoke: not vetoed


def test_the_bank_counts_emergencies_among_the_nearest() -> None:
    import numpy as np

    vectors = np.eye(4, dtype=np.float32)
    ordinary = np.array([[0.9, 0.1, 0, 0]], dtype=np.float32)
    bank = Bank.of(vectors, ["fire", None, None, "bleeding"], ordinary)
    assert len(bank.vectors) == 5 and bank.emergency.tolist() == [1, 0, 0, 1, 0]
    assert bank.emergency_share(np.array([1, 0, 0, 0], dtype=np.float32), k=2) == 0.5
    assert bank.emergency_share(np.array([0, 1, 0, 0], dtype=np.float32), k=1) == 0.0


def test_assess_reads_the_bank_when_the_semantic_signal_alone_is_unsure(
    detector: EmergencyDetector, knowledge: KnowledgeBase
) -> None:
    import numpy as np

    from bot.guided.emergency.semantic import SemanticSignal

    assert detector.semantic is not None and detector.semantic.banks
    text = "the school bus didn't come this morning"  # no phrase; semantic p ~0.4
    query = knowledge.embedder.embed_now(text)
    unsure = detector.semantic.score(query)
    assert unsure is not None and 0.3 <= unsure.emergency < 0.7

    def with_bank(emergency: bool) -> Verdict:
        banks = {
            name: Bank(np.stack([v, v]).astype(np.float32), np.array([emergency] * 2))
            for name, v in query.by_encoder.items()
        }
        signal = SemanticSignal(detector.semantic.heads, banks)  # type: ignore[union-attr]
        return EmergencyDetector(detector.phrases, signal).assess(text, query)

    assert with_bank(emergency=False).action == "none"  # only ordinary messages near
    assert with_bank(emergency=True).action == "ask"
