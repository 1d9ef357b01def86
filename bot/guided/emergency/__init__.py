"""The emergency guard's rules: which kinds there are and whom each calls (kinds.py), the
phrase list (phrases.py), the semantic signal over the shared sentence vectors
(semantic.py, trained on training/) and the decision that weighs them (detector.py).

The conversation lives in bot/handlers/emergency.py; docs/architecture.md shows where.
"""

from bot.guided.emergency.detector import EmergencyDetector, Thresholds, Verdict
from bot.guided.emergency.kinds import GENERAL, KINDS, Kind, kind_of
from bot.guided.emergency.phrases import EmergencyMatcher, default_matcher

__all__ = [
    "GENERAL",
    "KINDS",
    "EmergencyDetector",
    "EmergencyMatcher",
    "Kind",
    "Thresholds",
    "Verdict",
    "default_matcher",
    "kind_of",
]
