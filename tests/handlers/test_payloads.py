"""Button payloads: every one the handlers make decodes and fits Telegram's 64 bytes, and
every malformed, out-of-range or forged one gets "that button is no longer valid".

The crawl starts from every routed command and some free text in each of the nine locales
and taps the buttons it finds, breadth first, so buttons added by any area are covered.
"""

from __future__ import annotations

import dataclasses
import logging
import types
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest

from bot.channels.telegram.render import MAX_CALLBACK_DATA
from bot.core.dispatcher import Dispatcher
from bot.core.payloads import OneOf, Pattern, PayloadError, Range
from bot.core.types import Incoming, UserRef
from bot.handlers.routes import build_routes
from bot.i18n import LOCALES
from tests.harness import tr

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
    undecodable = []
    for payload in sorted(payloads):
        try:
            dispatcher.routes.for_payload(payload)
        except PayloadError as exc:
            undecodable.append(f"{payload}: {exc}")
    assert undecodable == []


def _bad_values(hint: Any) -> list[str]:
    """Values no field of this type accepts."""
    if get_origin(hint) in (Union, types.UnionType):
        (hint,) = [a for a in get_args(hint) if a is not type(None)]
    extras: tuple[Any, ...] = ()
    if get_origin(hint) is Annotated:
        hint, *rest = get_args(hint)
        extras = tuple(rest)
    if get_origin(hint) is Literal or any(isinstance(e, OneOf) for e in extras):
        return ["not-a-choice", ""]
    if hint is bool:
        return ["2", "yes"]
    if hint is date:
        return ["20261399", "tomorrow", "2026-12-01"]
    if hint is int:
        (bounds,) = [e for e in extras if isinstance(e, Range)]
        return [str(bounds.high + 1), "abc", "-1", "1e3", "９", ""]
    if hint is str and any(isinstance(e, Pattern) for e in extras):
        return ["bad value!", "x" * 65, "\u00e9t\u00e9"]
    raise AssertionError(f"no bad values known for {hint!r}")


def _malformed() -> list[tuple[str, str]]:
    cases = []
    for prefix, route in sorted(build_routes().payloads.items()):
        spec = route.spec
        fields = dataclasses.fields(spec)  # type: ignore[arg-type]
        hints = get_type_hints(spec, include_extras=True)
        good = ["1"] * len(fields)  # only used as filler next to the bad field
        cases.append((prefix, ":".join([prefix, *good, "1", "extra"])))  # too many fields
        for i, field in enumerate(fields):
            for bad in _bad_values(hints[field.name]):
                parts = [*good[:i], bad]
                cases.append((prefix, ":".join([prefix, *parts])))
    return cases


MALFORMED = _malformed()


def test_every_prefix_has_malformed_cases() -> None:
    prefixes = {prefix for prefix, _payload in MALFORMED}
    assert prefixes == set(build_routes().payloads)
    assert len(prefixes) >= 40


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize(("prefix", "payload"), MALFORMED)
async def test_malformed_payload_never_reaches_a_handler(
    dispatcher: Dispatcher, caplog: pytest.LogCaptureFixture, prefix: str, payload: str
) -> None:
    with pytest.raises(PayloadError):
        dispatcher.routes.for_payload(payload)
    caplog.set_level(logging.INFO)
    outcome = await dispatcher.handle(Incoming(UserRef("web", "forger"), payload=payload))
    expired = tr("en", "That button is no longer valid. Here is the main menu:")
    assert [r.text for r in outcome.replies] == [expired]
    assert not any(r.exc_info for r in caplog.records), "a traceback was logged"
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1 and refused[0].levelno == logging.INFO
