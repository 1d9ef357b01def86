"""The handoff's buttons."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.payloads import Id, Payload


@dataclass(frozen=True)
class StartHandoff(Payload, prefix="handoff:start"):
    """ "Talk to a person"."""


@dataclass(frozen=True)
class LeaveMessage(Payload, prefix="handoff:leave"):
    """Outside staffed hours: leave a message for when staff are back."""


@dataclass(frozen=True)
class EndHandoff(Payload, prefix="handoff:end"):
    """The resident ends the conversation with staff."""


@dataclass(frozen=True)
class RateHandoff(Payload, prefix="handoff:fb"):
    """👍/👎 on the help staff gave in a closed conversation."""

    conversation: Id
    helpful: bool
