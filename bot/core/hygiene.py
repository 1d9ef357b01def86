"""Input hygiene at the edge: what a channel may hand in, whatever the client sent.

PostgreSQL refuses NUL bytes in text, no database or JSON encoder accepts a lone UTF-16
surrogate (JSON's "\\ud800" decodes to one; aiohttp decodes undecodable header bytes to
them), and control characters break WeChat's XML replies. Free text is cleaned (the
resident's message still gets an answer); identities and keys are refused instead, since
cleaning could make two different ids one.
"""

from __future__ import annotations

import re

# C0 controls except tab, newline and carriage return; and every UTF-16 surrogate. Python
# joins valid surrogate pairs when it decodes JSON or UTF-8, so any surrogate left is lone.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8}){0,6}")
MAX_LANGUAGE_TAG = 32  # users.platform_language is String(32)


def clean_text(value: str) -> str:
    """`value` without NUL and control bytes; a lone surrogate becomes U+FFFD."""
    if not _UNSAFE.search(value):
        return value
    return _UNSAFE.sub(lambda m: "" if m.group() < "\ud800" else "\ufffd", value)


def is_clean(value: str) -> bool:
    """True when `value` has no NUL, control byte or lone surrogate."""
    return _UNSAFE.search(value) is None


def clean_language_tag(value: str | None) -> str | None:
    """The first tag of a language hint (`de-CH;q=0.9, en` → "de-CH"), or None if not one.

    Telegram's language_code and Accept-Language are client-controlled; what is stored is
    a well-formed tag of at most 32 characters or nothing.
    """
    if not value:
        return None
    first = value.split(",", 1)[0].split(";", 1)[0].strip()
    if len(first) > MAX_LANGUAGE_TAG or not _LANGUAGE_TAG.fullmatch(first):
        return None
    return first
