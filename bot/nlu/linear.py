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
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax
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
    """A linear SVM whose margins become probabilities, so that thresholds mean something. The
    calibration is fitted on out-of-fold margins: Platt scaling (a sigmoid) for two classes,
    temperature scaling (a softmax with one fitted temperature) for more."""

    def __init__(self, regularization: float, class_weight: str | None = None, folds: int = 2):
        self._svm = LinearSVC(C=regularization, class_weight=class_weight)
        self._folds = folds

    def fit(self, features, labels: list) -> CalibratedLinearSVM:
        labels = np.asarray(labels)
        folds = StratifiedKFold(self._folds, shuffle=True, random_state=0)
        margins = cross_val_predict(self._svm, features, labels, cv=folds, method="decision_function")
        self._svm.fit(features, labels)
        self.classes = self._svm.classes_.tolist()  # plain str and bool, not numpy scalars
        self._weights = np.ascontiguousarray(self._svm.coef_)
        self._bias = self._svm.intercept_
        if len(self.classes) == 2:
            platt = LogisticRegression().fit(margins.reshape(-1, 1), labels)
            self._scale, self._shift = float(platt.coef_[0, 0]), float(platt.intercept_[0])
        else:
            truth = np.searchsorted(self._svm.classes_, labels)

            def loss(temperature: float) -> float:
                return -float(log_softmax(margins / temperature, axis=1)[np.arange(len(labels)), truth].mean())

            self._scale = 1.0 / minimize_scalar(loss, bounds=(0.01, 100.0), method="bounded").x
        return self

    def margins(self, vector: Vector) -> np.ndarray:
        indices, values = vector
        return self._weights[:, indices] @ values + self._bias

    def probabilities(self, vector: Vector) -> np.ndarray:
        margins = self.margins(vector)
        if len(self.classes) == 2:
            p = 1.0 / (1.0 + math.exp(-(self._scale * float(margins[0]) + self._shift)))
            return np.array([1.0 - p, p])
        logits = margins * self._scale
        exp = np.exp(logits - logits.max())
        return exp / exp.sum()
