"""The light markup replies carry, beside `*bold*`: a number to call.

`phone("120")` writes `[120](tel:120)`; each channel's renderer turns it into what its
platform can show — a tel: link on the web page, the plain number elsewhere (phones link
a bare number themselves). Channels use `PHONE` to find it.
"""

from __future__ import annotations

import re

PHONE = re.compile(r"\[([^\]\n]{1,40})\]\(tel:(\+?[0-9][0-9-]{1,20})\)")


def phone(number: str, label: str | None = None) -> str:
    """A number to call, as markup (`label` defaults to the number itself)."""
    if not re.fullmatch(r"\+?[0-9][0-9-]{1,20}", number):
        raise ValueError(f"not a phone number: {number!r}")
    return f"[{label or number}](tel:{number})"


def plain_phones(text: str) -> str:
    """The markup's phone links as their plain label (for channels without links)."""
    return PHONE.sub(lambda m: m.group(1), text)
