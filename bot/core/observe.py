"""Signals for whoever watches the process (metrics, logs): stdlib only, no listener = no cost.

Any layer emits a named signal with a value and string labels (`signals.emit("send", 1,
channel="telegram", result="sent")`); bot/ops/metrics.py listens and keeps the Prometheus
families. A listener that raises is logged and never disturbs the message.

`request_id` names the message being handled (bot/core/dispatcher.py sets it for each
`handle`, channels may set it earlier), so every log line of one message carries it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from contextvars import ContextVar

log = logging.getLogger(__name__)

Listener = Callable[[str, float, Mapping[str, str]], None]
request_id: ContextVar[str | None] = ContextVar("linzhu_request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


class Signals:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Add a listener (once); returns the function that removes it."""
        if listener not in self._listeners:
            self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def emit(self, name: str, value: float = 1.0, **labels: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(name, value, labels)
            except Exception:
                log.warning("signal listener failed on %s", name, exc_info=True)


# The process's signals: one set of listeners per process.
signals = Signals()

# Signal names (the labels each carries in brackets).
MESSAGE = "message"  # value: seconds to reply [channel, locale, outcome]
FAQ_SCORE = "faq_score"  # value: the top-1 score of a FAQ decision []
EMERGENCY = "emergency"  # an emergency answer given [kind]
SEND = "send"  # an outbox send [channel, result: sent, failed, retry, rate_limited]
# A reply sent through a platform's API [channel, kind: bot (to a message), staff (a staff
# member's message in a conversation); result as for SEND]. WeChat's passive replies travel
# in the webhook's own response, with no result to count: they are not among these.
REPLY_SEND = "reply_send"


def send_outcome(status: str, retry_after: float | None) -> str:
    """The result label of a send: its status, or rate_limited when the platform said
    how long to wait (a 429)."""
    return "rate_limited" if retry_after is not None else status


DEADLINE_MISS = "deadline_miss"  # a passive reply not ready in time [channel]
