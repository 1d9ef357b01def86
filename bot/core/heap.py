"""Keep CPython's full garbage collections off the large heap that start-up loads.

Start-up loads about 150,000 container objects that live as long as the process: the FAQ
index, the language detector's models, the catalogs, compiled patterns, every module's
functions and classes. A full (generation 2) collection traverses all of them: 70 ms on an
idle process and up to 110 ms under load, several times a minute, on the event loop (and
in the scoring process, between batches). Those were the longest pauses a /healthz probe
saw under load.

`settle()` collects what is garbage, then moves every live object into the permanent
generation (`gc.freeze`), which collections skip; objects made later are collected as
before. A frozen object is still freed by reference counting when its last reference
goes, so an FAQ index replaced by a reload is freed; only a reference cycle among frozen
objects would outlive its use, and the index holds none that matter (a test checks that
a replaced index is freed). Forked workers also keep sharing the frozen pages, since a
collection no longer writes to those objects' headers.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)
_settled = False  # a process that never settled (tests, the command line) is left alone


def settle(reason: str) -> None:
    """Collect, then freeze what survives (call once the long-lived objects are built)."""
    global _settled
    _settled = True
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.info(
        "heap settled (%s): %d objects frozen in %.0f ms",
        reason,
        gc.get_freeze_count(),
        (time.perf_counter() - started) * 1000,
    )


def settle_again(reason: str) -> None:
    """After new long-lived objects were built (an FAQ index swapped in): freeze them too,
    in a process that settled before. The collection first skips the frozen heap, so it
    costs what is new, not the whole heap again."""
    if _settled:
        settle(reason)


def unsettle() -> None:
    """Undo `settle` (for tests): frozen objects are collectable again."""
    global _settled
    _settled = False
    gc.unfreeze()
