"""Reading a numbered choice the way people type it: 1, １, 一, ①, "2.", "#3"."""

from __future__ import annotations

import unicodedata

_CJK_DIGITS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "壹": 1,
    "贰": 2,
    "貳": 2,
    "叁": 3,
    "參": 3,
    "两": 2,
    "兩": 2,
}


def parse_choice(text: str | None) -> int | None:
    """The number a short reply stands for, or None when it is not just a number."""
    if not text:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip().rstrip(".)。、").lstrip("#№").strip()
    if not cleaned or len(cleaned) > 3:
        return None
    if cleaned.isdigit():
        value = int(cleaned)
        return value if value > 0 else None
    if cleaned in _CJK_DIGITS:
        return _CJK_DIGITS[cleaned]
    if len(cleaned) == 2 and cleaned[0] == "十" and cleaned[1] in _CJK_DIGITS:
        return 10 + _CJK_DIGITS[cleaned[1]]
    return None
