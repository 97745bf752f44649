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
from scipy.sparse import csr_matrix, hstack, spmatrix
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.languages import DEFAULT
from bot.nlu.phrases import PhraseMatcher, words
from bot.nlu.text import normalize


@dataclass(frozen=True)
class ClassifierSettings:
    char_ngrams: tuple[int, int] = (1, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    regularization: float = 0.5  # LinearSVC's C: higher fits the examples more closely
    term_weight: float = 1.0  # how much one term-list hit counts against the n-gram features


class TextFeatures:
    """What the models see of a message: character and word n-grams of the normalized text, and
    one feature per intent that says whether a term from that intent's list occurs in it.

    Terms are matched in the message's language plus English, which newcomers mix into every
    language; matching every language's terms everywhere would let Spanish "sin" (without) count
    as the SIN, or Tagalog "hindi" (no) as a language name."""

    def __init__(self, settings: ClassifierSettings, terms: dict[str, list[tuple[str, str]]]):
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=settings.char_ngrams,
                                      lowercase=False, sublinear_tf=True)
        self._words = TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False,
                                      ngram_range=settings.word_ngrams, sublinear_tf=True)
        english = terms.get(DEFAULT, [])
        self._terms = {language: PhraseMatcher(pairs + (english if language != DEFAULT else []))
                       for language, pairs in terms.items()}
        self._labels = {label: i for i, label in enumerate(sorted({i for p in terms.values() for _, i in p}))}
        self._weight = settings.term_weight

    def fit_transform(self, texts: list[str], languages: list[str | None]) -> spmatrix:
        normalized = [normalize(t) for t in texts]
        return self._combine(self._chars.fit_transform(normalized), self._words.fit_transform(normalized),
                             texts, languages)

    def transform(self, text: str, language: str | None) -> spmatrix:
        normalized = [normalize(text)]
        return self._combine(self._chars.transform(normalized), self._words.transform(normalized),
                             [text], [language])

    def _combine(self, chars: spmatrix, words: spmatrix, texts: list[str],
                 languages: list[str | None]) -> spmatrix:
        rows, cols = [], []
        for row, (text, language) in enumerate(zip(texts, languages, strict=True)):
            matcher = self._terms.get(language or DEFAULT) or self._terms.get(DEFAULT)
            for label in matcher.labels(text) if matcher else ():
                rows.append(row)
                cols.append(self._labels[label])
        hits = csr_matrix((np.full(len(rows), self._weight), (rows, cols)), shape=(len(texts), len(self._labels)))
        return hstack([chars, words, hits], format="csr")


def calibrated_svm(settings: ClassifierSettings, class_weight: str | None = None) -> CalibratedClassifierCV:
    # Calibration turns the SVM's margins into probabilities that thresholds can be set on.
    return CalibratedClassifierCV(LinearSVC(C=settings.regularization, class_weight=class_weight), cv=3)


class IntentClassifier:
    def __init__(self, settings: ClassifierSettings = ClassifierSettings()):
        self._model = calibrated_svm(settings)
        self.intents: list[str] = []

    def fit(self, features: spmatrix, intents: list[str]) -> IntentClassifier:
        self._model.fit(features, intents)
        self.intents = list(self._model.classes_)
        return self

    def probabilities(self, features: spmatrix) -> dict[str, float]:
        """Probability of each intent for one message's features."""
        return dict(zip(self.intents, map(float, self._model.predict_proba(features)[0]), strict=True))
