"""Emergency detection, run before anything else on every message, in every language at once.

A missed emergency is the worst error this bot can make; a false alarm costs one extra line. So two
detectors, either of which is enough:
1. crisis phrases that staff list per language (`lookup: emergency_phrases`), matched in every
   language regardless of the language guess, which may be wrong;
2. a binary danger model (emergency or not) with a low threshold, for the phrasing nobody listed.
   Trained on its own question it separates danger from ordinary worry better than the intent
   classifier's emergency probability does at the same recall.
"""

from __future__ import annotations

from scipy.sparse import spmatrix

from bot.nlu.linear import CalibratedLinearSVM, Vector
from bot.nlu.phrases import PhraseMatcher
from bot.nlu.settings import ClassifierSettings

EMERGENCY = "emergency"


class EmergencyDetector:
    def __init__(self, phrases: list[str], features: spmatrix, is_emergency: list[bool],
                 settings: ClassifierSettings = ClassifierSettings()):
        self._phrases = PhraseMatcher((p, EMERGENCY) for p in phrases)
        self._model = CalibratedLinearSVM(settings.regularization, class_weight="balanced").fit(
            features, is_emergency)
        self._positive = self._model.classes.index(True)

    def phrase(self, normalized: str) -> str | None:
        """The listed crisis phrase found in text that `normalize` has folded, if any."""
        found = self._phrases.matches_normalized(normalized)
        return found[0][0] if found else None

    def probability(self, vector: Vector) -> float:
        """The danger model's probability that one message's features describe an emergency."""
        return float(self._model.probabilities(vector)[self._positive])
