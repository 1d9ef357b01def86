"""The emergency phrase list alone (no semantic signal) on the older held-out messages.

The whole detector is measured by bench/emergency_eval.py; this keeps the history.

    .venv/bin/python bench/emergency_guard.py

History, to read the figures honestly: bench/data/emergency_heldout.yaml was written
after the first phrase list was frozen and caught only 5/46 (11%); the list was then
extended by category (unresponsive, swallowed objects, a lot of blood, labour, blue
lips, stroke signs…). emergency_heldout_v2.yaml, written after that, again caught only
5/45 (11%) before the list was extended once more (not moving, falls from height,
cleaning products, floppy baby, breathing trouble…). Both sets are now tuned on, so
their 100% says nothing about new phrasings: expect low recall on situations described
without a listed phrase, and write a fresh set before trusting a new figure.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.guided.emergency import default_matcher

HERE = Path(__file__).resolve().parent


def main() -> None:
    for name in ("emergency_heldout.yaml", "emergency_heldout_v2.yaml"):
        print(f"== {name}")
        evaluate(yaml.safe_load((HERE / "data" / name).read_text(encoding="utf-8")))


def evaluate(data: dict[str, dict[str, list[str]]]) -> None:
    matcher = default_matcher()
    for kind, want in (("emergency", True), ("ordinary", False)):
        total = right = 0
        wrong: list[str] = []
        for locale, messages in data[kind].items():
            for message in messages:
                fired = matcher.detect(message) is not None
                total += 1
                right += fired == want
                if fired != want:
                    wrong.append(f"{locale:7} {message}")
        label = "recall on emergencies" if want else "silent on ordinary questions"
        print(f"{label}: {right}/{total} ({right / total:.0%})")
        for line in wrong:
            print("   " + ("missed  " if want else "fired   ") + line)
    messages = [m for kind in data.values() for ms in kind.values() for m in ms]
    start = time.perf_counter()
    rounds = 20
    for _ in range(rounds):
        for message in messages:
            matcher.detect(message)
    per = (time.perf_counter() - start) / (rounds * len(messages)) * 1e6
    print(f"{len(matcher.rules)} phrases; {per:,.0f} µs per message")


if __name__ == "__main__":
    main()
