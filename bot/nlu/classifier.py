"""The built-in intent classifier: a linear model over character n-grams, word n-grams and
term-list hits.

Character n-grams carry typos, missing accents, code-mixing and scripts without spaces; word
n-grams carry keywords; the staff's term lists (`lookup: <intent>_terms`) carry the vocabulary that
a few dozen examples cannot, the way Rasa's RegexFeaturizer uses lookup tables. It trains in a
second or two on a laptop CPU, with no GPU and no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from bot.nlu.phrases import PhraseMatcher, words
from bot.nlu.text import normalize


@dataclass(frozen=True)
class ClassifierSettings:
    char_ngrams: tuple[int, int] = (1, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    regularization: float = 0.5  # LinearSVC's C: higher fits the examples more closely
    term_weight: float = 1.0  # how much one term-list hit counts against the n-gram features


class TermHits(BaseEstimator, TransformerMixin):
    """One feature per intent: does the text contain a term from that intent's term list?"""

    def __init__(self, matcher: PhraseMatcher, labels: list[str], weight: float):
        self.matcher = matcher
        self.labels = labels
        self.weight = weight

    def fit(self, texts: list[str], y: object = None) -> TermHits:
        return self

    def transform(self, texts: list[str]) -> csr_matrix:
        index = {label: i for i, label in enumerate(self.labels)}
        rows, cols = [], []
        for row, text in enumerate(texts):
            for label in self.matcher.labels(text):
                rows.append(row)
                cols.append(index[label])
        data = np.full(len(rows), self.weight, dtype=np.float64)
        return csr_matrix((data, (rows, cols)), shape=(len(texts), len(self.labels)))


class IntentClassifier:
    def __init__(self, terms: list[tuple[str, str]], settings: ClassifierSettings = ClassifierSettings()):
        """`terms`: (term, intent) pairs from the staff's term lists."""
        matcher = PhraseMatcher(terms)
        self._pipeline = Pipeline([
            ("features", FeatureUnion([
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=settings.char_ngrams,
                                          lowercase=False, sublinear_tf=True)),
                ("words", TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False,
                                          ngram_range=settings.word_ngrams, sublinear_tf=True)),
                ("terms", TermHits(matcher, sorted({intent for _, intent in terms}), settings.term_weight)),
            ])),
            # Calibration turns the SVM's margins into probabilities that thresholds can be set on.
            ("model", CalibratedClassifierCV(LinearSVC(C=settings.regularization), cv=3)),
        ])
        self.intents: list[str] = []

    def fit(self, texts: list[str], intents: list[str]) -> IntentClassifier:
        self._pipeline.fit([normalize(t) for t in texts], intents)
        self.intents = list(self._pipeline.classes_)
        return self

    def probabilities(self, text: str) -> dict[str, float]:
        proba = self._pipeline.predict_proba([normalize(text)])[0]
        return dict(zip(self.intents, map(float, proba)))
