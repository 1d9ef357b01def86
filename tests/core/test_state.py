"""Typed flow state: a flow's dataclass round-trips through JSON; junk reads as no flow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import pytest

from bot.core.state import FlowData, FlowState


@dataclass
class Draft(FlowData, flow="draft"):
    topic: str | None = None
    day: date | None = None
    count: int = 0
    kind: Literal["x", "y"] = "x"
    answers: dict[str, str] = field(default_factory=dict)
    picks: list[date] = field(default_factory=list)


def test_round_trip_through_json() -> None:
    state = FlowState()
    draft = Draft("school", date(2026, 12, 4), 2, "y", {"q1": "Ana"}, [date(2019, 5, 3)])
    state.enter(draft, "day")
    assert (state.flow, state.step) == ("draft", "day")
    assert state.data["day"] == "2026-12-04"  # JSON in the store
    assert Draft.of(state) == draft


def test_another_flow_reads_as_none() -> None:
    state = FlowState(flow="book", step="x", data={"topic": "school"})
    assert Draft.of(state) is None


@pytest.mark.parametrize(
    "data",
    [
        {"count": "2"},  # a string where an int belongs
        {"count": True},  # a bool is not an int here
        {"day": "tomorrow"},
        {"kind": "z"},
        {"answers": {"q1": 5}},
        {"picks": "2019-05-03"},
    ],
)
def test_data_that_does_not_fit_reads_as_no_flow(data: dict[str, object]) -> None:
    assert Draft.of(FlowState(flow="draft", step="x", data=data)) is None


def test_unknown_keys_are_ignored_and_clear_keeps_the_topic() -> None:
    state = FlowState(flow="draft", step="x", data={"topic": "t", "old": 1}, last_topic="faq.x")
    assert Draft.of(state) == Draft(topic="t")
    state.clear()
    assert (state.flow, state.data, state.last_topic) == (None, {}, "faq.x")


def test_unsupported_annotation_fails_at_first_use() -> None:
    @dataclass
    class Odd(FlowData, flow="odd"):
        value: set[str] = field(default_factory=set)

    with pytest.raises(TypeError):
        Odd.from_json({})
