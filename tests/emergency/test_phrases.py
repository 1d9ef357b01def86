"""The phrase list: kinds in every locale, normalisation, negation, exclusions, framing."""

import pytest

from bot.guided.emergency import KINDS, EmergencyMatcher, default_matcher
from bot.guided.emergency.phrases import GENERAL, compile_term, prepare
from bot.i18n.locales import LOCALES


def kinds_of(text: str) -> set[str]:
    return {hit.kind for hit in default_matcher().hits(text)}


def about(text: str) -> bool:
    return default_matcher().framing(text).about_not_in


def test_every_kind_has_phrases_in_every_locale() -> None:
    rules = default_matcher().rules
    for kind in [*KINDS, GENERAL]:
        assert {r.locale for r in rules if r.kind == kind} == set(LOCALES), kind
    assert {r.kind for r in rules} == {*KINDS, GENERAL}


def test_normalisation_case_accents_full_width() -> None:
    assert kinds_of("CHEST PAIN") == {"cardiac_stroke"}
    assert kinds_of("Ｃｈｅｓｔ ｐａｉｎ") == {"cardiac_stroke"}
    assert kinds_of("il est INCONSCIENT") == {"unconscious"}
    assert "unconscious" in kinds_of("perdió el conocimiento")  # accent in the message
    assert "unconscious" in kinds_of("perdio el conocimiento")  # and without it
    assert kinds_of("Он потерял сознание") == {"unconscious"}
    assert "general" in kinds_of("救 护 车")  # spaces inside CJK words


def test_negation_is_local_to_its_clause() -> None:
    assert kinds_of("no chest pain") == set()
    assert about("no chest pain, just a sore throat")  # a negated phrase frames the message
    assert "cardiac_stroke" in kinds_of("No, it's chest pain!")  # the "no" is another clause
    assert "not_breathing" in kinds_of("he is not breathing")  # the negation is the phrase
    assert "not_breathing" in kinds_of("他没有呼吸")
    assert "cardiac_stroke" not in kinds_of("他没有胸痛")
    assert "cardiac_stroke" in kinds_of("我不知道是不是中风")  # 是不是 asks, it does not deny
    assert "unconscious" in kinds_of("意識がない")
    assert "cardiac_stroke" not in kinds_of("胸の痛みはない")


def test_exclusions_overlapping_the_phrase() -> None:
    assert kinds_of("food poisoning, what should I eat?") == set()
    assert kinds_of("The school has a fire drill tomorrow") == set()
    assert kinds_of("where can I buy a carbon monoxide alarm") == set()
    assert kinds_of("火災報知器が鳴ってて下の階に炎が見える") == {"fire"}  # 炎が, not 火災
    assert kinds_of("孩子急救培训班") == set()


@pytest.mark.parametrize(
    "text",
    [
        "What's the fire brigade number in China, 119 or 120?",
        "how much does an ambulance cost?",
        "what would I do if my kid chokes at school",
        "my father had a stroke last year, which rehab clinic speaks English?",
        "Mon mari va me tuer si j'achète encore un sac haha",
        "またバッグ買ったら夫に殺される笑",
        "¿es gratis la ambulancia en Shanghái?",
        "救护车用英语怎么说",
        "一氧化碳报警器去哪儿买？",
        "Krankenwagen kostet wie viel?",
        "my toddler bumped his head on the sofa, cried a minute and is laughing again",
    ],
)
def test_framing_about_emergencies_not_one(text: str) -> None:
    assert about(text)


@pytest.mark.parametrize(
    "text",
    [
        "my son fell and hit his head, help me now",
        "救命 现在 他不呼吸了",
        "what do I do, he collapsed",
    ],
)
def test_urgency_or_no_framing_means_happening(text: str) -> None:
    assert not about(text)


def test_the_longest_phrase_names_the_kind() -> None:
    hits = default_matcher().hits("my teenage son is threatening to jump from our balcony")
    assert {h.kind for h in hits} == {"violence", "self_harm"}
    assert max(hits, key=lambda h: h.length).kind == "self_harm"


def test_word_boundaries_and_wildcards() -> None:
    assert compile_term("seizure*", cjk=False).search(prepare("two seizures").spaced)
    assert not compile_term("stroke", cjk=False).search(prepare("strokes of luck").spaced)
    assert compile_term("chest .. pain", cjk=False).search(prepare("chest very bad pain").spaced)
    assert compile_term("胸..痛", cjk=True).search(prepare("胸口很痛").compact)
    assert kinds_of("¿cómo te llamas?") == set()  # "llamas" (flames) is only a phrase with "hay"


def test_custom_data_and_kinds() -> None:
    matcher = EmergencyMatcher(
        {"terms": {"fire": {"en": ["help now"]}}, "negators": {"en": ["no"]}}
    )
    assert [h.kind for h in matcher.hits("HELP NOW")] == ["fire"]
    assert matcher.hits("no help now") == []
    assert matcher.detect("help now") is not None


@pytest.mark.parametrize(
    "text",
    [
        "the jet lag is killing me, any tips for sleeping?",
        "my phone died, help, how do I get home from Jing'an",
        "我今天累死了 不想做饭",
        "台所にゴキブリがいる！助けて！",
        "je meurs de faim, on mange quand ?",
        "se me murió el móvil, te escribo luego",
        "배고파서 죽겠어요 배달 추천 좀",
        "умираю со смеху с этого видео",
        "Die Hitze bringt mich um, wo gibt es Klimaanlagen?",
    ],
)
def test_idioms_and_trifles_are_about_whatever_the_urgency_words(text: str) -> None:
    assert about(text)


@pytest.mark.parametrize(
    "text",
    [
        "she fainted at school this morning but she's fine now, which lab does blood tests",
        "他上个月中风过 现在恢复得很好 有推荐的康复医院吗",
        "救命講習は英語でも受けられますか",  # 救命 (help!) inside 救命講習 (a course)
    ],
)
def test_urgency_words_inside_reassurance_or_exclusions_do_not_count(text: str) -> None:
    assert about(text)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("he is killing me help", "violence"),
        ("吓死我了 孩子不见了", "missing_child"),
        ("my husband says he will kill me tonight, I'm scared", "violence"),
        ("Er bringt mich um, bitte Polizei", "violence"),
    ],
)
def test_a_threat_or_a_named_kind_beside_an_idiom_still_happens(text: str, kind: str) -> None:
    assert kind in kinds_of(text)
    assert not about(text)


def test_russian_negation_ending_the_clause() -> None:
    assert kinds_of("боли в груди нет, просто болит горло") == set()
    assert about("боли в груди нет, просто болит горло")
    assert "cardiac_stroke" in kinds_of("у него боль в груди нет сил терпеть")  # not the end


@pytest.mark.parametrize(
    "text",
    [
        "my toddler hit his head on the table, cried a bit, now laughing",
        "Mein Kleiner ist vom Hocker gefallen, kurz geweint, spielt jetzt",
        "孩子头撞到门上，哭了两声，现在在玩",
    ],
)
def test_now_beside_reassurance_is_not_urgency(text: str) -> None:
    assert about(text)


def test_russian_typed_in_latin_letters() -> None:
    assert "not_breathing" in kinds_of("syn podavilsya i ne dyshit")
    assert "unconscious" in kinds_of("papa bez soznaniya")


def test_rat_poison_is_not_a_pest_trifle() -> None:
    assert "poisoning" in kinds_of("孩子吃了老鼠药")
    assert not about("孩子吃了老鼠药")
