"""The built-in NLU engine: language, emergency, intent, in that order, for one message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Protocol

from bot.nlu.classifier import IntentClassifier, TextFeatures
from bot.nlu.emergency import EMERGENCY, EmergencyDetector
from bot.nlu.language_id import LanguageIdentifier
from bot.nlu.settings import ClassifierSettings, Thresholds
from bot.nlu.text import normalize, script_counts
from bot.nlu.training_data import TrainingData

OUT_OF_SCOPE = "out_of_scope"
# Longer messages are answered on their first part: a 1 MB line must not cost seconds and memory.
MAX_ANALYSED_CHARS = 4096
# "A word or two": letters weighted by script (a Han character counts 3, Hangul 2, see text.py).
SHORT_MESSAGE_LETTERS = 10
# How many intents Parse.ranking keeps.
RANKED = 5


@dataclass(frozen=True)
class Parse:
    """One understood message; `to_json()` is the `settlebot parse` contract."""

    text: str
    language: str | None
    language_confidence: float
    intent: str | None  # None only for a blank message
    confidence: float
    entry: str | None = None  # best knowledge-base entry id, once there is a knowledge base
    # The other intents' probabilities, best first (as Rasa's intent_ranking); not in the contract.
    ranking: tuple[tuple[str, float], ...] = ()

    def to_json(self) -> dict[str, object]:
        values = asdict(self)
        del values["ranking"]
        return values


class NLUEngine(Protocol):
    def parse(self, text: str) -> Parse: ...




class BuiltinNLU:
    def __init__(self, data: TrainingData, classifier: ClassifierSettings = ClassifierSettings(),
                 thresholds: Thresholds = Thresholds(), *, lingua_weight: float):
        texts = [e.text for e in data.examples]
        languages = [e.language for e in data.examples]
        self.thresholds = thresholds
        self.features = TextFeatures(classifier, data.intent_terms)
        matrix = self.features.fit_transform(texts, languages)
        # The classifier only chooses among the other intents: whether a message is an emergency is
        # the detector's call alone, so that its threshold really sets the trade-off.
        others = [i for i, e in enumerate(data.examples) if e.intent != EMERGENCY]

        def fit_models() -> tuple[EmergencyDetector, IntentClassifier]:
            emergencies = EmergencyDetector(
                data.emergency_phrases, matrix, [e.intent == EMERGENCY for e in data.examples], classifier)
            return emergencies, IntentClassifier(classifier).fit(
                matrix[others], [data.examples[i].intent for i in others])

        # The SVMs train in liblinear's C code, which releases the GIL, while the language models'
        # n-gram counting is Python: one worker overlaps them on a second core. One, not two: two
        # concurrent fits each copy the matrix, and memory matters more than the last 0.2 s.
        with ThreadPoolExecutor(max_workers=1) as worker:
            models = worker.submit(fit_models)
            self.languages = LanguageIdentifier(texts, languages, lingua_weight=lingua_weight,
                                                min_df=classifier.min_df)
            self.emergencies, self.classifier = models.result()

    def parse(self, text: str) -> Parse:
        analysed = text[:MAX_ANALYSED_CHARS]
        normalized = normalize(analysed)
        if not normalized:  # blank, or only invisible characters
            return Parse(text, None, 0.0, None, 0.0)
        guess = self.languages.identify(analysed)
        danger, probabilities = self.scores(analysed, guess.language, normalized)
        intent, confidence = self._decide(analysed, danger, probabilities)
        ranking = tuple(sorted(probabilities.items(), key=lambda item: -item[1])[:RANKED])
        return Parse(text, guess.language, guess.confidence, intent, round(confidence, 3), ranking=ranking)

    def scores(self, text: str, language: str | None, normalized: str | None = None) -> tuple[float, dict[str, float]]:
        """The danger probability (1.0 for a listed crisis phrase) and each other intent's probability.
        A message with no n-gram the models have seen (emoji, a script we do not speak) gives the
        models nothing to go on: only a listed crisis phrase can make it an emergency."""
        normalized = normalize(text) if normalized is None else normalized
        features = self.features.vector(normalized, language)
        if self.emergencies.phrase(normalized):
            danger = 1.0
        elif self.features.knows(features):
            danger = self.emergencies.probability(features)
        else:
            return 0.0, {OUT_OF_SCOPE: 1.0}
        return danger, self.classifier.probabilities(features)

    def intent(self, text: str, language: str | None, normalized: str | None = None) -> tuple[str, float]:
        return self._decide(text, *self.scores(text, language, normalized))

    def _decide(self, text: str, danger: float, probabilities: dict[str, float]) -> tuple[str, float]:
        short = sum(script_counts(text).values()) <= SHORT_MESSAGE_LETTERS
        if danger >= (self.thresholds.emergency_short if short else self.thresholds.emergency):
            return EMERGENCY, danger
        best = max(probabilities, key=probabilities.__getitem__)
        if probabilities[best] < self.thresholds.intent:
            return OUT_OF_SCOPE, 1.0 - probabilities[best]
        return best, probabilities[best]
