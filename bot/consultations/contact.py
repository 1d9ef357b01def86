"""How staff reach a resident for a phone or video consultation: a phone number or a WeChat ID.

Phone numbers are checked with `phonenumbers` (Google's libphonenumber data): a number without
a country code is read as Chinese (mainland numbers are what most residents have), one with
"+" or "00" as that country's. WeChat IDs follow WeChat's rule: 6–20 letters, digits, "_" or
"-", starting with a letter. Stored as "tel:+8613812345678" (E.164) or "wechat:<id>".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
import regex

DEFAULT_REGION = "CN"
WECHAT_ID = regex.compile(r"[A-Za-z][A-Za-z0-9_-]{5,19}")
# "WeChat: abc", "微信号：abc", "tel 138…": a label the resident may type before the value.
_WECHAT_LABEL = regex.compile(
    r"^(?:wechat(?:\s*id)?|weixin|微信号?|微信\s*id|vx|wx)\s*(?:[:：]\s*|\s+)", regex.IGNORECASE
)
_PHONE_LABEL = regex.compile(
    r"^(?:tel|phone|mobile|电话|電話|手机号?|手機號?|電話番号|携帯|전화(?:번호)?|téléphone|telefon|"
    r"teléfono|телефон)\s*(?:[:：]\s*|\s+)",
    regex.IGNORECASE,
)
_PHONE_CHARS = regex.compile(r"[+\d\s\-().]+")


class ContactProblem(StrEnum):
    EMPTY = "empty"
    PHONE = "phone"  # looks like a phone number but is not a valid one
    UNKNOWN = "unknown"  # neither a phone number nor a WeChat ID


@dataclass(frozen=True)
class Contact:
    kind: str  # "tel" | "wechat"
    value: str  # E.164 for phones, the ID for WeChat

    @property
    def stored(self) -> str:
        return f"{self.kind}:{self.value}"


def parse_contact(text: str, region: str = DEFAULT_REGION) -> Contact | ContactProblem:
    """The contact in what the resident typed, or what is wrong with it."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not value:
        return ContactProblem.EMPTY
    if match := _WECHAT_LABEL.match(value):
        wechat = value[match.end() :].strip()
        return Contact("wechat", wechat) if WECHAT_ID.fullmatch(wechat) else ContactProblem.UNKNOWN
    if match := _PHONE_LABEL.match(value):
        return _phone(value[match.end() :].strip(), region)
    digits = sum(ch.isdigit() for ch in value)
    if _PHONE_CHARS.fullmatch(value) and digits >= 5:
        return _phone(value, region)
    if WECHAT_ID.fullmatch(value):
        return Contact("wechat", value)
    return ContactProblem.UNKNOWN


def _phone(value: str, region: str) -> Contact | ContactProblem:
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return ContactProblem.PHONE
    if not phonenumbers.is_valid_number(number):
        return ContactProblem.PHONE
    return Contact("tel", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def contact_of(stored: str | None) -> Contact | None:
    """The stored "kind:value" back as a Contact (None when there is none)."""
    if not stored or ":" not in stored:
        return None
    kind, _sep, value = stored.partition(":")
    return Contact(kind, value)


def phone_display(e164: str) -> str:
    """+8613812345678 → "+86 138 1234 5678" (the international format, grouped)."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
