"""Fast inference for the scikit-learn models the NLU trains.

scikit-learn is built for batches: on one short message its per-call checks cost about 0.7 ms per
vectorizer and 1 ms per calibrated model, while the arithmetic itself takes microseconds. Training
stays with scikit-learn; for parsing one message at a time these classes read the fitted models'
public parameters (`build_analyzer()`, `vocabulary_`, `idf_`, `coef_`, `intercept_`) and do the
same arithmetic directly. tests/test_linear.py checks that the results equal scikit-learn's.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

# A sparse feature vector of one message: column indices and their values.
Vector = tuple[np.ndarray, np.ndarray]


class FastTfidf:
    """`TfidfVectorizer.transform` for one text (sublinear tf, idf, L2 norm, as configured)."""

    def __init__(self, fitted: TfidfVectorizer, offset: int = 0):
        if fitted.norm != "l2" or not fitted.use_idf:
            raise ValueError("FastTfidf supports l2-normalised tf-idf only")
        self._analyze = fitted.build_analyzer()
        self._vocabulary = fitted.vocabulary_
        self._idf = fitted.idf_
        self._sublinear = fitted.sublinear_tf
        self.offset = offset
        self.width = len(self._idf)

    def vector(self, text: str) -> Vector:
        counts = Counter(i for i in map(self._vocabulary.get, self._analyze(text)) if i is not None)
        if not counts:
            return np.empty(0, dtype=np.int64), np.empty(0)
        indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
        if self._sublinear:
            tf = 1.0 + np.log(tf)
        values = tf * self._idf[indices]
        return indices + self.offset, values / math.sqrt(float(values @ values))


def concatenate(vectors: list[Vector]) -> Vector:
    return np.concatenate([v[0] for v in vectors]), np.concatenate([v[1] for v in vectors])


class CalibratedLinearSVM:
    """A linear SVM whose margins are turned into probabilities by a multinomial logistic
    regression fitted on out-of-fold margins (Platt scaling), so thresholds mean something."""

    def __init__(self, regularization: float, class_weight: str | None = None, folds: int = 3):
        self._svm = LinearSVC(C=regularization, class_weight=class_weight)
        self._folds = folds

    def fit(self, features, labels: list) -> CalibratedLinearSVM:
        labels = np.asarray(labels)
        folds = StratifiedKFold(self._folds, shuffle=True, random_state=0)
        margins = cross_val_predict(self._svm, features, labels, cv=folds, method="decision_function")
        self._svm.fit(features, labels)
        margins = margins.reshape(len(labels), -1)
        calibration = LogisticRegression(max_iter=1000).fit(margins, labels)
        self.classes = calibration.classes_.tolist()  # plain str and bool, not numpy scalars
        self._weights = np.ascontiguousarray(self._svm.coef_)
        self._bias = self._svm.intercept_
        self._scale = calibration.coef_
        self._shift = calibration.intercept_
        return self

    def margins(self, vector: Vector) -> np.ndarray:
        indices, values = vector
        return self._weights[:, indices] @ values + self._bias

    def probabilities(self, vector: Vector) -> np.ndarray:
        logits = self._scale @ self.margins(vector) + self._shift
        if len(self.classes) == 2:  # binary: one logit for the second class
            p = 1.0 / (1.0 + math.exp(-float(logits[0])))
            return np.array([1.0 - p, p])
        logits = logits - logits.max()
        exp = np.exp(logits)
        return exp / exp.sum()
