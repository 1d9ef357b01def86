"""Every button payload the handlers can produce fits Telegram's 64-byte callback data.

The crawl starts from every routed command and some free text in each of the nine locales
and taps the buttons it finds, breadth first, so buttons added by any area are covered.
"""

from __future__ import annotations

import pytest

from bot.channels.telegram.render import MAX_CALLBACK_DATA
from bot.core.dispatcher import Dispatcher
from bot.core.types import Incoming, UserRef
from bot.i18n import LOCALES

TEXTS = ["hello", "How do I enrol my child in school?", "医院", "病院はどこですか", "1"]
MAX_TAPS = 400  # far more than the menus have today
# Payloads are stable ASCII, the same in every locale: the whole tree is crawled in English,
# and in the other locales the buttons one tap deep.
DEPTH = {"en": MAX_TAPS}


# Payloads do not depend on the database: one backend is enough.
@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_every_reachable_payload_fits_callback_data(dispatcher: Dispatcher) -> None:
    payloads: set[str] = set()
    for locale in LOCALES:
        user = UserRef("telegram", f"crawl-{locale}")
        await dispatcher.handle(Incoming(user, payload=f"lang:set:{locale}"))
        queue: list[str] = []
        for text in [f"/{c}" for c in dispatcher.routes.commands] + TEXTS:
            outcome = await dispatcher.handle(Incoming(user, text=text))
            queue += [b.payload for r in outcome.replies for b in r.buttons]
        tapped: set[str] = set()
        limit = DEPTH.get(locale, len(queue))
        while queue and len(tapped) < limit:
            payload = queue.pop(0)
            if payload in tapped:
                continue
            tapped.add(payload)
            outcome = await dispatcher.handle(Incoming(user, payload=payload))
            queue += [b.payload for r in outcome.replies for b in r.buttons]
        payloads |= tapped
    assert "lang:set:zh_Hant" in payloads and "menu:ask" in payloads
    too_long = sorted(p for p in payloads if not 1 <= len(p.encode()) <= MAX_CALLBACK_DATA)
    assert not too_long, f"payloads over {MAX_CALLBACK_DATA} bytes: {too_long}"
    assert all(p.isascii() for p in payloads)
