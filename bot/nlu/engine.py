"""The built-in NLU engine: language, emergency, intent, in that order, for one message."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol

from bot.nlu.classifier import ClassifierSettings, IntentClassifier
from bot.nlu.language_id import LanguageIdentifier
from bot.nlu.phrases import PhraseMatcher
from bot.nlu.training_data import TrainingData

EMERGENCY = "emergency"
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Parse:
    """One understood message; `to_json()` is the `settlebot parse` contract."""

    text: str
    language: str | None
    language_confidence: float
    intent: str | None  # None only for a blank message
    confidence: float
    entry: str | None = None  # best knowledge-base entry id, once there is a knowledge base

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class NLUEngine(Protocol):
    def parse(self, text: str) -> Parse: ...


@dataclass(frozen=True)
class Thresholds:
    # Below this the classifier's best guess is not trusted: the message is out of scope.
    intent: float = 0.4
    # An emergency is reported from this probability on, even when another intent scores higher:
    # a false alarm costs one extra line, a missed emergency can cost a life.
    emergency: float = 0.2


class BuiltinNLU:
    def __init__(self, data: TrainingData, classifier: ClassifierSettings = ClassifierSettings(),
                 thresholds: Thresholds = Thresholds(), lingua_weight: float = 0.2):
        texts = [e.text for e in data.examples]
        self.thresholds = thresholds
        self.languages = LanguageIdentifier(texts, [e.language for e in data.examples],
                                            lingua_weight=lingua_weight)
        self.emergencies = PhraseMatcher((p, EMERGENCY) for p in data.emergency_phrases)
        self.classifier = IntentClassifier(data.intent_terms, classifier).fit(
            texts, [e.intent for e in data.examples])

    def parse(self, text: str) -> Parse:
        if not text.strip():
            return Parse(text, None, 0.0, None, 0.0)
        guess = self.languages.identify(text)
        intent, confidence = self.intent(text)
        return Parse(text, guess.language, guess.confidence, intent, round(confidence, 3))

    def intent(self, text: str) -> tuple[str, float]:
        if self.emergencies.matches(text):
            return EMERGENCY, 1.0
        probabilities = self.classifier.probabilities(text)
        if probabilities.get(EMERGENCY, 0.0) >= self.thresholds.emergency:
            return EMERGENCY, probabilities[EMERGENCY]
        best = max(probabilities, key=probabilities.__getitem__)
        if probabilities[best] < self.thresholds.intent:
            return OUT_OF_SCOPE, 1.0 - probabilities[best]
        return best, probabilities[best]
