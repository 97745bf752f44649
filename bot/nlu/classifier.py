"""The built-in intent classifier: a linear model over character n-grams, word n-grams and
term-list hits.

Character n-grams carry typos, missing accents, code-mixing and scripts without spaces; word
n-grams carry keywords; the staff's term lists (`lookup: <intent>_terms`) carry the vocabulary that
a few dozen examples cannot, the way Rasa's RegexFeaturizer uses lookup tables. It trains in a
second or two on a laptop CPU, with no GPU and no TensorFlow.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix, hstack, spmatrix
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.languages import DEFAULT
from bot.nlu.linear import CalibratedLinearSVM, FastTfidf, Vector, concatenate
from bot.nlu.phrases import PhraseMatcher, words
from bot.nlu.settings import ClassifierSettings
from bot.nlu.text import normalize


class TextFeatures:
    """What the models see of a message: character and word n-grams of the normalized text, and
    one feature per intent that says whether a term from that intent's list occurs in it.

    Terms are matched in the message's language plus English, which newcomers mix into every
    language; matching every language's terms everywhere would let Spanish "sin" (without) count
    as the SIN, or Tagalog "hindi" (no) as a language name."""

    def __init__(self, settings: ClassifierSettings, terms: dict[str, list[tuple[str, str]]]):
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=settings.char_ngrams,
                                      lowercase=False, sublinear_tf=True, min_df=settings.min_df)
        self._words = TfidfVectorizer(tokenizer=words, token_pattern=None, lowercase=False,
                                      ngram_range=settings.word_ngrams, sublinear_tf=True, min_df=settings.min_df)
        self._terms = PhraseMatcher((term, (intent, language))
                                    for language, pairs in terms.items() for term, intent in pairs)
        self._labels = {label: i for i, label in enumerate(sorted({i for p in terms.values() for _, i in p}))}
        self._weight = settings.term_weight

    def fit_transform(self, texts: list[str], languages: list[str | None]) -> spmatrix:
        """Learn the n-gram vocabularies; the training matrix, one row per text."""
        normalized = [normalize(t) for t in texts]
        chars = self._chars.fit_transform(normalized)
        words = self._words.fit_transform(normalized)
        self._fast = (FastTfidf(self._chars), FastTfidf(self._words, offset=chars.shape[1]))
        self._terms_offset = chars.shape[1] + words.shape[1]
        rows, cols = [], []
        for row, (text, language) in enumerate(zip(normalized, languages, strict=True)):
            for col in self._term_columns(text, language):
                rows.append(row)
                cols.append(col)
        hits = csr_matrix((np.full(len(rows), self._weight), (rows, cols)), shape=(len(texts), len(self._labels)))
        return hstack([chars, words, hits], format="csr")

    def vector(self, normalized: str, language: str | None) -> Vector:
        """The features of one message that `normalize` has folded, as fit_transform's row."""
        cols = np.array(self._term_columns(normalized, language), dtype=np.int64) + self._terms_offset
        return concatenate([*(fast.vector(normalized) for fast in self._fast),
                            (cols, np.full(len(cols), self._weight))])

    def knows(self, vector: Vector) -> bool:
        """Whether any n-gram of the message was seen in training (term hits alone do not count)."""
        return bool(len(vector[0])) and int(vector[0].min()) < self._terms_offset

    def _term_columns(self, normalized: str, language: str | None) -> list[int]:
        wanted = (language or DEFAULT, DEFAULT)
        return sorted({self._labels[intent] for intent, lang in self._terms.labels(normalized) if lang in wanted})


class IntentClassifier:
    def __init__(self, settings: ClassifierSettings = ClassifierSettings()):
        self._model = CalibratedLinearSVM(settings.regularization)
        self.intents: list[str] = []

    def fit(self, features: spmatrix, intents: list[str]) -> IntentClassifier:
        self._model.fit(features, intents)
        self.intents = self._model.classes
        return self

    def probabilities(self, vector: Vector) -> dict[str, float]:
        """Probability of each intent for one message's features."""
        return dict(zip(self.intents, map(float, self._model.probabilities(vector)), strict=True))
