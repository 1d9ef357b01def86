"""The payload codec: what a button carries round-trips, and nothing else decodes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

import pytest

from bot.core.payloads import Id, Index, Key, OneOf, Payload, PayloadError, Token


@dataclass(frozen=True)
class Sample(Payload, prefix="sample:x"):
    slot: Id
    day: date
    kind: Literal["a", "b"]
    topic: Key
    flag: bool = False
    token: Token | None = None
    page: Index = 0


@dataclass(frozen=True)
class Choice(Payload, prefix="choice"):
    colour: Annotated[str, OneOf("red", "green")]


def test_round_trip_and_trailing_defaults_left_off() -> None:
    full = Sample(7, date(2026, 12, 4), "b", "school.fees", True, "ab12", 3)
    assert full.encode() == "sample:x:7:20261204:b:school.fees:1:ab12:3"
    assert Sample.decode(full.encode()) == full
    short = Sample(7, date(2026, 12, 4), "a", "k")
    assert short.encode() == "sample:x:7:20261204:a:k"
    assert Sample.decode("sample:x:7:20261204:a:k") == short


@pytest.mark.parametrize(
    "payload",
    [
        "sample:x",  # fields missing
        "sample:x:7:20261204:a",  # one required field missing
        "sample:x:0:20261204:a:k",  # ids start at 1
        "sample:x:2147483648:20261204:a:k",  # over int32 (a PostgreSQL integer column)
        "sample:x:7:20260230:a:k",  # no such day
        "sample:x:7:20261204:c:k",  # not a choice
        "sample:x:7:20261204:a:k k",  # space in a key
        "sample:x:7:20261204:a:k:2",  # bool is 0 or 1
        "sample:x:7:20261204:a:k:1:XYZ",  # tokens are lower-case hex
        "sample:x:7:20261204:a:k:1:ab:100",  # index 0..99
        "sample:x:7:20261204:a:k:1:ab:1:extra",  # too many fields
        "sample:x:٧:20261204:a:k",  # a non-ASCII digit
        "sample:xy:7",  # another prefix
    ],
)
def test_malformed_payloads_are_refused(payload: str) -> None:
    with pytest.raises(PayloadError):
        Sample.decode(payload)


def test_one_of_and_building_a_button_that_would_not_decode() -> None:
    assert Choice.decode("choice:red") == Choice("red")
    with pytest.raises(PayloadError):
        Choice.decode("choice:blue")
    with pytest.raises(PayloadError):
        Choice.decode("choice:")
    with pytest.raises(ValueError):
        Choice("blue").encode()  # a button we make must be one we accept


def test_prefix_must_be_stable_ascii_words() -> None:
    with pytest.raises(ValueError):

        @dataclass(frozen=True)
        class Bad(Payload, prefix="Book Now"):
            pass


def test_a_payload_over_telegrams_64_bytes_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Sample(1, date(2026, 1, 1), "a", "k" * 60).encode()
