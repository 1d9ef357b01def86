"""The labelled messages the semantic signal learns from (training/ beside this module).

One row per line, `{"text", "lang", "kind"}` (kind null: not an emergency), in sets:
- `base/<locale>.jsonl`, written by people who had not seen the phrase list: per locale,
  6 messages for each of the 16 kinds and 40 hard non-emergencies;
- `added/<locale>.jsonl`, added where cross-validation showed weakness: more wording per
  kind (panic, typos, fragments, code-switching) and hard or ordinary non-emergencies;
- `panic/<locale>.jsonl`: 4 more per kind as people type in a hurry (fragments, typos,
  capitals, third-person scenes in the street or the metro);
- `answers/<locale>.jsonl`: what residents type inside a flow — dates, names, numbers,
  yes and no, addresses ("Fire Station Road 12") — none of which is an emergency;
- `mild/<locale>.jsonl`: ordinary health messages (a rash, a cough, a graze, "no chest
  pain, just a sore throat") that the semantic signal first took for emergencies;
- `hard/<locale>.jsonl`: hard non-emergencies written for the second round — more mild
  health, idioms ("this exam will be the death of me"), household trifles (a broken lift,
  a bird in the flat), past events, questions about services and news — and ten
  emergencies worded like them (diarrhoea, then floppy and not waking), so that the
  semantic signal learns the situation rather than the words;
- `everyday/<locale>.jsonl`: 20 ordinary messages per locale written in that language
  rather than translated — its own idioms ("ich lach mich kaputt", "笑到喊"), news and
  third-party stories, questions about emergency services and their cost, small scrapes.
In the parallel sets (base, panic, mild, hard), row N of every locale's file says the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.guided.emergency.kinds import KINDS

TRAINING_DIR = Path(__file__).with_name("training")


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    kind: str | None  # None: not an emergency
    # Examples that say the same thing (translations of one row) share a group, so that
    # cross-validation never tests a message on its own translation.
    group: str


class TrainingError(ValueError):
    """A training file that does not parse or names an unknown kind (file:line)."""


def read_jsonl(path: Path, group_prefix: str | None = None) -> list[Example]:
    """One file of `{"text", "lang", "kind"}` rows; groups are `<prefix>:<row>`."""
    prefix = group_prefix if group_prefix is not None else f"{path.stem}"
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, lang, kind = row["text"], row["lang"], row.get("kind")
        except (ValueError, KeyError, TypeError) as exc:
            raise TrainingError(f"{path}:{number}: not a training row ({exc})") from exc
        if not isinstance(text, str) or not text.strip() or not isinstance(lang, str):
            raise TrainingError(f"{path}:{number}: text and lang must be non-empty strings")
        if kind is not None and kind not in KINDS:
            raise TrainingError(f"{path}:{number}: unknown kind {kind!r}")
        examples.append(Example(text.strip(), lang, kind, f"{prefix}:{number}"))
    return examples


PARALLEL_SETS = ("base", "panic", "mild", "hard")  # row N is one message in every locale
SETS = ("base", "added", "panic", "mild", "answers", "hard", "everyday")


def load_training(directory: Path = TRAINING_DIR) -> list[Example]:
    """Every training example, set by set; translations of one row share a group."""
    examples: list[Example] = []
    for name in SETS:
        for path in sorted((directory / name).glob("*.jsonl")):
            prefix = name if name in PARALLEL_SETS else f"{name}-{path.stem}"
            examples.extend(read_jsonl(path, group_prefix=prefix))
    return examples
