"""The fast one-message path computes exactly what scikit-learn computes for the same models."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.nlu.engine import BuiltinNLU
from bot.nlu.linear import CalibratedLinearSVM, FastTfidf
from bot.nlu.text import normalize
from bot.nlu.training_data import TrainingData

TEXTS = ["my landlord keeps the deposit", "ਮੈਨੂੰ MSP card ਚਾਹੀਦਾ", "房东不退押金", "zzzz qqqq", "",
         "je cherche un cours d'anglais le soir", "ana bdawwer 3ala sha2a"]


@pytest.mark.parametrize("vectorizer", [
    TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
    TfidfVectorizer(sublinear_tf=True),
    TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3)),
], ids=["chars-sublinear", "words", "chars"])
def test_fast_tfidf_equals_scikit_learn(vectorizer: TfidfVectorizer, training_data: TrainingData) -> None:
    vectorizer.fit([e.text for e in training_data.examples[:2000]])
    fast = FastTfidf(vectorizer)
    for text in TEXTS:
        expected = vectorizer.transform([text]).toarray()[0]
        got = np.zeros(fast.width)
        indices, values = fast.vector(text)
        got[indices] = values
        np.testing.assert_allclose(got, expected, atol=1e-12)


def test_one_message_vector_equals_its_training_matrix_row(training_data: TrainingData) -> None:
    from bot.nlu.classifier import TextFeatures
    from bot.nlu.settings import ClassifierSettings

    examples = training_data.examples[::300]
    features = TextFeatures(ClassifierSettings(), training_data.intent_terms)
    matrix = features.fit_transform([e.text for e in examples], [e.language for e in examples]).toarray()
    for row, example in zip(matrix, examples, strict=True):
        got = np.zeros(matrix.shape[1])
        indices, values = features.vector(normalize(example.text), example.language)
        got[indices] = values
        np.testing.assert_allclose(got, row, atol=1e-12)


def test_margins_equal_the_svm_decision_function(nlu: BuiltinNLU, training_data: TrainingData) -> None:
    model: CalibratedLinearSVM = nlu.classifier._model
    for example in training_data.examples[::500]:
        indices, values = nlu.features.vector(normalize(example.text), example.language)
        row = np.zeros(model._weights.shape[1])
        row[indices] = values
        np.testing.assert_allclose(model.margins((indices, values)), model._svm.decision_function([row])[0])


def test_probabilities_are_a_distribution(nlu: BuiltinNLU) -> None:
    for text in TEXTS:
        danger, intents = nlu.scores(text, "en")
        assert 0.0 <= danger <= 1.0
        assert abs(sum(intents.values()) - 1.0) < 1e-9


def test_language_models_equal_their_scikit_learn_pipeline(nlu: BuiltinNLU) -> None:
    for script, model in nlu.languages._models.items():
        for text in TEXTS:
            expected = dict(zip(model.classes, model.pipeline.predict_proba([text])[0], strict=True))
            got = model.probabilities(text)
            assert got == pytest.approx(expected, abs=1e-9), script
