"""The emergency reply's buttons: every payload starts with `emergency:` (monitoring and
tests recognise the reply by it, on every channel)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.core.payloads import OneOf, Payload
from bot.guided.emergency.kinds import GENERAL, KINDS

KindId = Annotated[str, OneOf(*KINDS, GENERAL.id)]


@dataclass(frozen=True)
class Answer(Payload, prefix="emergency:answer"):
    """The answer to "Is someone in danger right now?" (the kind the detector guessed)."""

    kind: KindId
    danger: bool


@dataclass(frozen=True)
class AddressCard(Payload, prefix="emergency:address"):
    kind: KindId = GENERAL.id


@dataclass(frozen=True)
class NotEmergency(Payload, prefix="emergency:no"):
    pass
