"""The emergency phrase list on held-out messages, and its speed.

    .venv/bin/python bench/emergency_guard.py

bench/data/emergency_heldout.yaml was written after the phrase list was frozen, so its
figures say more about real recall than the tests' lists (which the list was tuned on).
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
    data = yaml.safe_load((HERE / "data" / "emergency_heldout.yaml").read_text(encoding="utf-8"))
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
