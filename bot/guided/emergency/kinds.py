"""The kinds of emergency the guard recognises, and the service each one calls.

Only four numbers are certain and free from any phone in mainland China: 120 ambulance,
119 fire (also for a gas leak), 110 police (violence, intruders, missing children) and
122 road accidents (with 120 when someone is hurt). Any other line, such as a crisis
hotline, is staff-confirmed content (faq/emergency/lines.yaml), never a constant here.

The Chinese card is what the resident shows a bystander or reads to the dispatcher; it is
Chinese on purpose and never translated. The labels in the training data and the phrase
list are these ids (/work/evalsets/EMERGENCY_KINDS.md describes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

AMBULANCE: Final = "120"
FIRE: Final = "119"
POLICE: Final = "110"
TRAFFIC: Final = "122"
SERVICES: Final = (AMBULANCE, POLICE, FIRE, TRAFFIC)

# The card's blank for the address (the resident may fill it in with the address button).
ADDRESS_BLANK: Final = "＿＿＿＿区＿＿＿＿路＿＿＿号\n＿＿＿＿小区 ＿＿号楼 ＿＿＿室"

# What to ask for, by the first service of the kind, and how it is read out.
_REQUEST: Final = {
    AMBULANCE: ("请派救护车到：", "qǐng pài jiùhùchē dào"),
    FIRE: ("请派消防车到：", "qǐng pài xiāofángchē dào"),
    POLICE: ("请派警察到：", "qǐng pài jǐngchá dào"),
    TRAFFIC: ("请派交警到：", "qǐng pài jiāojǐng dào"),
}


@dataclass(frozen=True)
class Kind:
    """One kind of emergency: its id, the numbers to call (first is first), the card's line."""

    id: str
    services: tuple[str, ...]
    situation: str  # 情况 on the card, in Chinese

    @property
    def first_service(self) -> str:
        return self.services[0]

    def card(self, address: str = ADDRESS_BLANK) -> str:
        """The Chinese card for this kind, with the address (or the blank to fill in)."""
        request, pinyin = _REQUEST[self.first_service]
        if self.services == (AMBULANCE, TRAFFIC):
            request, pinyin = "请派救护车和交警到：", "qǐng pài jiùhùchē hé jiāojǐng dào"
        return (
            f"*{request}*\n"
            f"{address}\n"
            f"情况：{self.situation}\n"
            "我的电话：＿＿＿＿＿＿＿＿\n"
            "我不会说中文，请帮帮我，谢谢！\n"
            f"({pinyin} …)"
        )


KINDS: Final[dict[str, Kind]] = {
    k.id: k
    for k in (
        Kind("not_breathing", (AMBULANCE,), "有人不能呼吸（噎住／窒息／溺水）。"),
        Kind("unconscious", (AMBULANCE,), "有人昏倒了，叫不醒，没有反应。"),
        Kind("bleeding", (AMBULANCE,), "有人大出血，血止不住。"),
        Kind("seizure", (AMBULANCE,), "有人抽搐（癫痫发作），停不下来。"),
        Kind(
            "cardiac_stroke",
            (AMBULANCE,),
            "有人胸口剧痛，或者有中风症状（脸歪、说话不清、一侧无力）。",
        ),
        Kind("allergy", (AMBULANCE,), "有人严重过敏，脸或喉咙肿，呼吸困难。"),
        Kind("poisoning", (AMBULANCE,), "有人中毒，误服了药物或化学品（或一氧化碳中毒）。"),
        Kind("burns", (AMBULANCE,), "有人严重烧伤或烫伤。"),
        Kind("head_injury", (AMBULANCE,), "有人摔伤，头部受伤，情况危险。"),
        Kind(
            "infant_fever", (AMBULANCE,), "婴儿发高烧，有危险症状（没精神、不吃奶、抽搐或出疹子）。"
        ),
        Kind("labour", (AMBULANCE,), "孕妇要生了，或者怀孕期间出现紧急情况（出血、破水）。"),
        Kind("road_accident", (AMBULANCE, TRAFFIC), "这里发生了交通事故，有人受伤。"),
        Kind("fire", (FIRE,), "这里着火了，或者有煤气泄漏。"),
        Kind("violence", (POLICE,), "有人行凶、闯入或威胁我们，我们有危险。"),
        Kind("missing_child", (POLICE,), "我的孩子走失了或被人带走了（＿＿岁，穿＿＿＿＿＿）。"),
        Kind("self_harm", (AMBULANCE, POLICE), "有人想自杀或已经伤害了自己。"),
    )
}
# When the guard knows it is an emergency but not which kind (a plain "call an ambulance").
GENERAL: Final = Kind("general", (AMBULANCE,), "这里有紧急情况，需要帮助。")


def kind_of(kind_id: str | None) -> Kind:
    """The kind with this id, or the general one for None or an unknown id."""
    return KINDS.get(kind_id or "", GENERAL)
