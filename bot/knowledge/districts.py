"""Shanghai's sixteen districts, named in each of the nine locales.

Directory entries (faq/directory/*.yaml) name a district by its English name; residents read
it in their own language ("Changning" → 长宁区, 長寧區, 長寧区, 창닝구, Чаннин). The names are
the districts' official Chinese names, the Japanese kanji forms, the usual Korean and Russian
(Palladius) transcriptions, and pinyin for the Latin-script languages.
"""

from __future__ import annotations

from typing import Final

# English name, then the name in zh_Hans, zh_Hant, ja, ko and ru; the Latin-script locales
# (en, fr, de, es) use the English name.
_TABLE = """
Huangpu    黄浦区   黃浦區   黄浦区   황푸구    Хуанпу
Xuhui      徐汇区   徐匯區   徐匯区   쉬후이구  Сюйхуэй
Changning  长宁区   長寧區   長寧区   창닝구    Чаннин
Jing'an    静安区   靜安區   静安区   징안구    Цзинъань
Putuo      普陀区   普陀區   普陀区   푸퉈구    Путо
Hongkou    虹口区   虹口區   虹口区   훙커우구  Хункоу
Yangpu     杨浦区   楊浦區   楊浦区   양푸구    Янпу
Minhang    闵行区   閔行區   閔行区   민항구    Миньхан
Baoshan    宝山区   寶山區   宝山区   바오산구  Баошань
Jiading    嘉定区   嘉定區   嘉定区   자딩구    Цзядин
Pudong     浦东新区 浦東新區 浦東新区 푸둥신구  Пудун
Jinshan    金山区   金山區   金山区   진산구    Цзиньшань
Songjiang  松江区   松江區   松江区   쑹장구    Сунцзян
Qingpu     青浦区   青浦區   青浦区   칭푸구    Цинпу
Fengxian   奉贤区   奉賢區   奉賢区   펑셴구    Фэнсянь
Chongming  崇明区   崇明區   崇明区   충밍구    Чунмин
"""
_COLUMNS = ("zh_Hans", "zh_Hant", "ja", "ko", "ru")

# English name → {locale: name}.
DISTRICTS: Final[dict[str, dict[str, str]]] = {
    english: dict(zip(_COLUMNS, names, strict=True))
    for english, *names in (line.split() for line in _TABLE.strip().splitlines())
}


def district_name(district: str, locale: str) -> str:
    """The district in `locale` ("" stays ""; an unknown name is shown as it is)."""
    return DISTRICTS.get(district, {}).get(locale, district)
