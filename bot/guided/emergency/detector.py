"""Is this message an emergency happening now, and which kind? Two signals and the framing.

- The phrase list (phrases.py) is precise: a phrase names the kind.
- The semantic signal (semantic.py) generalises to wording nobody listed, in any language
  the encoder knows (Italian, Portuguese… too), from the vectors the FAQ shares.
- The framing (a hypothetical, past, cost or number question with no urgency word) marks
  messages about emergencies rather than one.

The decision fires only when both signals agree; when one speaks alone or they disagree,
it asks. Thresholds were chosen leaving one training set out at a time
(bench/emergency_eval.py --by-set):

| phrase           | framing   | semantic p (emergency)        | verdict                   |
|------------------|-----------|-------------------------------|---------------------------|
| names a kind     | happening | ≥ CONFIRM                     | fire (the phrase's kind)  |
| names a kind     | happening | < CONFIRM (signals disagree)  | ask                       |
| general only     | happening | ≥ CONFIRM_GENERAL             | fire (semantic kind)      |
| general only     | happening | < CONFIRM_GENERAL             | ask                       |
| none             | happening | ≥ ASK (semantic alone)        | ask                       |
| none, a question | happening | ≥ ASK_QUESTION                | ask                       |
| none             | happening | < NEIGHBOUR_SURE, no emergency near* | nothing                   |
| names a kind     | about     | ≥ ASK_ABOUT_PHRASE            | ask                       |
| none or general  | about     | ≥ ASK_ABOUT                   | ask                       |
| —                | —         | otherwise                     | nothing                   |

*Near: among the message's ten nearest labelled messages (training examples and FAQ
phrasings, semantic.py); read only in that row, so the common case costs nothing.

"About" is the framing: a hypothetical, past, cost or number question, mildness or
reassurance, with no urgency word; or a phrase that matched only where negated ("no
chest pain, just a sore throat"). A general phrase ("ambulance", "救命") is weak evidence
on its own ("how do you say ambulance in Chinese"): it fires only with the semantic
signal's agreement. The semantic signal never fires alone: on messages unlike its
training data (a rash, a scraped knee) it can be confidently wrong, and a question costs
a real emergency one tap while a false alarm costs trust.

"Ask" is the question "Is someone in danger right now?" with the numbers already in it:
a few seconds lost on a real emergency, never a missed one. Without an encoder (none
configured, or its model not loaded in time) a phrase fires unless the framing says
"about", as the phrase list always did.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from bot.guided.emergency.phrases import GENERAL, Detection, EmergencyMatcher, default_matcher
from bot.guided.emergency.semantic import Scores, SemanticSignal, ordinary_vectors
from bot.guided.emergency.training import load_training
from bot.knowledge.embedding import QueryVectors
from bot.knowledge.encoders import Encoder
from bot.knowledge.index import FaqIndex

Action = Literal["fire", "ask", "none"]


class HasIndex(Protocol):
    """The knowledge base, as far as the detector needs it (its index: encoders, phrasings)."""

    @property
    def index(self) -> FaqIndex: ...


CONFIRM = 0.25  # a phrase naming a kind fires when the semantic signal agrees this much
CONFIRM_GENERAL = 0.30  # a general phrase fires when the semantic signal agrees this much
ASK = 0.25  # the semantic signal alone asks from here
ASK_QUESTION = 0.50  # … or from here when the message asks for information ("where…?")
ASK_ABOUT = 0.95  # a message framed "about" emergencies still asks when this sure
ASK_ABOUT_PHRASE = 0.70  # … or this sure when a phrase names a kind too
# In a language the phrase list does not cover (Italian, Portuguese…) only the semantic
# signal can speak: there it fires alone when this sure.
FIRE_UNCOVERED = 0.70
KIND_SHARE = 0.5  # the semantic kind is used when it holds this share of p(emergency)
# The semantic signal alone, below this, asks only if an emergency is among the message's
# ten nearest labelled messages (training examples and FAQ phrasings): "is someone in
# danger?" is not asked of a message that only ordinary ones resemble.
NEIGHBOUR_SURE = 0.70
NEIGHBOUR_SHARE = 0.10


@dataclass(frozen=True)
class Thresholds:
    confirm: float = CONFIRM
    confirm_general: float = CONFIRM_GENERAL
    ask: float = ASK
    ask_question: float = ASK_QUESTION
    neighbour_sure: float = NEIGHBOUR_SURE
    neighbour_share: float = NEIGHBOUR_SHARE
    ask_about: float = ASK_ABOUT
    ask_about_phrase: float = ASK_ABOUT_PHRASE


@dataclass(frozen=True)
class Verdict:
    """What the guard does with a message; `signal` and `kind` go to the activity log."""

    action: Action
    kind: str | None = None  # a kinds.KINDS id; None: unknown (the general reply)
    signal: str = ""  # "phrase", "semantic", "phrase+semantic"
    score: float | None = None  # the semantic p(emergency); None without an encoder
    phrase: Detection | None = None

    @property
    def fires(self) -> bool:
        return self.action == "fire"


NOTHING = Verdict("none")


class EmergencyDetector:
    def __init__(
        self,
        phrases: EmergencyMatcher,
        semantic: SemanticSignal | None = None,
        thresholds: Thresholds = Thresholds(),
    ) -> None:
        self.phrases = phrases
        self.semantic = semantic
        self.thresholds = thresholds

    @classmethod
    def build(
        cls,
        encoders: list[Encoder],
        cache_dir: Path | None,
        ordinary: dict[str, np.ndarray] | None = None,
    ) -> EmergencyDetector:
        """The phrase list and a semantic head per encoder (training vectors cached)."""
        semantic = SemanticSignal.build(encoders, load_training(), cache_dir, ordinary)
        return cls(default_matcher(), semantic if semantic.heads else None)

    @classmethod
    def for_knowledge(cls, knowledge: HasIndex, cache_dir: Path | None) -> EmergencyDetector:
        """With the FAQ's encoders, and its phrasings as the ordinary messages."""
        encoders = knowledge.index.live_encoders()
        return cls.build(encoders, cache_dir, ordinary_vectors(knowledge.index))

    @property
    def encoder_names(self) -> list[str]:
        return self.semantic.encoder_names if self.semantic is not None else []

    def assess(
        self, text: str, query: QueryVectors | None = None, *, covered: bool = True
    ) -> Verdict:
        """The verdict on one message (synchronous and cheap: the vectors come computed).

        `covered`: the message is in a language the phrase list has phrases for; in one
        it has none for, the semantic signal alone may fire (FIRE_UNCOVERED)."""
        analysis = self.phrases.analyse(text)
        hits, about = analysis.hits, analysis.framing.about_not_in
        if not hits and not any(ch.isalpha() for ch in text):
            return NOTHING  # a date, a number, a time: nothing the semantic signal can read
        scores = self.semantic.score(query) if self.semantic is not None else None
        if scores is None:
            if hits and not about:
                return Verdict("fire", _phrase_kind(hits, None), "phrase", None, hits[0])
            return NOTHING
        verdict = decide(hits, about, scores, self.thresholds, analysis.framing.question)
        if self.semantic is not None and needs_neighbours(verdict, self.thresholds):
            share = self.semantic.emergency_neighbours(query)
            verdict = second_opinion(verdict, share, self.thresholds)
        uncovered = not covered and not hits and verdict.action == "ask"
        if uncovered and scores.emergency >= FIRE_UNCOVERED:
            return Verdict("fire", _semantic_kind(scores), "semantic", scores.emergency)
        return verdict


def decide(
    hits: list[Detection], about: bool, scores: Scores, t: Thresholds, question: bool = False
) -> Verdict:
    """The table above, given both signals (pure: cross-validation calls it directly)."""
    p = scores.emergency
    phrase = hits[0] if hits else None
    named = any(h.kind != GENERAL for h in hits)
    if about:
        if p >= (t.ask_about_phrase if named else t.ask_about):
            return Verdict("ask", _phrase_kind(hits, scores), _signals(hits), p, phrase)
        return Verdict("none", score=p)
    if named:
        action: Action = "fire" if p >= t.confirm else "ask"
        return Verdict(action, _phrase_kind(hits, scores), "phrase+semantic", p, phrase)
    if hits:
        action = "fire" if p >= t.confirm_general else "ask"
        return Verdict(action, _semantic_kind(scores), "phrase+semantic", p, phrase)
    if p >= (t.ask_question if question else t.ask):
        return Verdict("ask", _semantic_kind(scores), "semantic", p)
    return Verdict("none", score=p)


def needs_neighbours(verdict: Verdict, t: Thresholds) -> bool:
    """Is this the semantic signal alone asking without being sure? (Then, and only
    then, the nearest labelled messages are read: the common case costs nothing.)"""
    return (
        verdict.action == "ask"
        and verdict.signal == "semantic"
        and verdict.score is not None
        and verdict.score < t.neighbour_sure
    )


def second_opinion(verdict: Verdict, share: float | None, t: Thresholds) -> Verdict:
    """No emergency among the nearest labelled messages: the question is not asked."""
    if share is not None and share < t.neighbour_share and needs_neighbours(verdict, t):
        return Verdict("none", score=verdict.score)
    return verdict


def _semantic_kind(scores: Scores) -> str | None:
    """The semantic signal's kind when it clearly leads (half the emergency's probability
    or more); else None, and the reply is the general one with every number."""
    return scores.kind if scores.of(scores.kind) >= KIND_SHARE * scores.emergency else None


def _signals(hits: list[Detection]) -> str:
    return "phrase+semantic" if hits else "semantic"


def _phrase_kind(hits: list[Detection], scores: Scores | None) -> str | None:
    """The kind a phrase names. Among several, the longest phrase says most ("threatening
    to jump" over "threatening"); equal ones are decided by the semantic signal. A general
    phrase ("ambulance!") takes the semantic signal's kind."""
    named = [h for h in hits if h.kind != GENERAL]
    if not named:
        return _semantic_kind(scores) if scores is not None else None
    longest = max(h.length for h in named)
    candidates = [h.kind for h in named if h.length == longest]
    if scores is None or len(candidates) == 1:
        return candidates[0]
    return max(candidates, key=scores.of)
