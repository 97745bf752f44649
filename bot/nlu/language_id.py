"""Language identification for short, messy messages.

1. The script decides when only one supported language uses it (Gurmukhi -> pa, Hangul -> ko).
2. Han text is Simplified or Traditional by its characters (hanzidentifier's CC-CEDICT sets).
3. Otherwise lingua, restricted to the languages that share the script (Russian included so that it
   is told apart from Ukrainian), blended with an in-domain character model trained on `intents/`,
   which knows how people here romanize Punjabi, Arabic (Arabizi) and Persian (Finglish).

The confidence is the probability that replying in `language` is right, so the dialogue can
confirm instead of guessing. Russian, which we do not support, is answered as Ukrainian with the
(low) probability that the text is Ukrainian.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
from hanzidentifier import helpers as hanzi
from lingua import Language, LanguageDetectorBuilder
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline

from bot.nlu.linear import FastTfidf, concatenate
from bot.nlu.text import dominant_script, script_of

_LINGUA = {
    "en": Language.ENGLISH, "fr": Language.FRENCH, "es": Language.SPANISH, "tl": Language.TAGALOG,
    "vi": Language.VIETNAMESE, "uk": Language.UKRAINIAN, "ru": Language.RUSSIAN,
    "ar": Language.ARABIC, "fa": Language.PERSIAN,
}
_FROM_LINGUA = {lang: code for code, lang in _LINGUA.items()}
# Who may have written a message in each script (romanized pa/ar/fa are typed in Latin letters).
_CANDIDATES = {
    "latin": ("en", "fr", "es", "tl", "vi", "pa", "ar", "fa"),
    "cyrillic": ("uk", "ru"),
    "arabic": ("ar", "fa"),
    "han": ("zh-Hans", "zh-Hant"),
}
_SINGLE_LANGUAGE_SCRIPT = {"gurmukhi": "pa", "hangul": "ko"}
# Letters only Vietnamese uses among our Latin-script languages.
_VIETNAMESE = frozenset("ăđơưĂĐƠƯ") | frozenset(chr(c) for c in range(0x1EA0, 0x1EFA))
_UKRAINIAN = frozenset("іїєґІЇЄҐ")
_RUSSIAN = frozenset("ыэъёЫЭЪЁ")
_SIMPLIFIED_ONLY = hanzi.SIMPLIFIED_CHARACTERS - hanzi.SHARED_CHARACTERS
_TRADITIONAL_ONLY = hanzi.TRADITIONAL_CHARACTERS - hanzi.SHARED_CHARACTERS
# Han text with no character that differs between the two systems is a coin toss: cap the
# confidence so the dialogue asks.
_UNDECIDED_HAN_CAP = 0.6


@dataclass(frozen=True)
class LanguageGuess:
    language: str | None  # a supported BCP 47 code; None when the text has no letters
    confidence: float


class ScriptModel:
    """Which of the languages written in one script a text is in: complement naive Bayes over
    character n-grams with accents kept (ñ, ư and ی tell languages apart) and whole words."""

    def __init__(self, texts: list[str], languages: list[str], min_df: int):
        features = FeatureUnion([
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=min_df)),
            ("words", TfidfVectorizer(sublinear_tf=True, min_df=min_df)),
        ])
        self.pipeline = Pipeline([("features", features), ("model", ComplementNB(alpha=0.1))]).fit(texts, languages)
        chars, words = (t for _, t in features.transformer_list)
        self._fast = (FastTfidf(chars), FastTfidf(words, offset=len(chars.idf_)))
        model = self.pipeline.named_steps["model"]
        self.classes = model.classes_.tolist()
        self._log_prob = np.ascontiguousarray(model.feature_log_prob_)

    def probabilities(self, text: str) -> dict[str, float]:
        # ComplementNB's joint log-likelihood is X @ feature_log_prob_.T; probabilities its softmax.
        indices, values = concatenate([fast.vector(text) for fast in self._fast])
        log_likelihood = self._log_prob[:, indices] @ values
        exp = np.exp(log_likelihood - log_likelihood.max())
        return dict(zip(self.classes, map(float, exp / exp.sum()), strict=True))


class LanguageIdentifier:
    def __init__(self, texts: list[str], languages: list[str], *, lingua_weight: float, min_df: int):
        """`texts`/`languages`: labelled in-domain examples (the training data)."""
        self._lingua_weight = lingua_weight
        self._detector = (LanguageDetectorBuilder.from_languages(*_LINGUA.values())
                          .with_preloaded_language_models().with_low_accuracy_mode().build())
        # One in-domain model per script: in a model over all scripts, Gurmukhi n-grams would
        # dominate what "pa" looks like, and romanized Punjabi would not look like Punjabi.
        by_script: dict[str, tuple[list[str], list[str]]] = {}
        for text, language in zip(texts, languages, strict=True):
            script = dominant_script(text)
            if script in _CANDIDATES and language in _CANDIDATES[script]:
                group = by_script.setdefault(script, ([], []))
                group[0].append(text)
                group[1].append(language)
        self._models = {script: ScriptModel(*group, min_df=min_df) for script, group in by_script.items()
                        if len(set(group[1])) > 1}

    def identify(self, text: str) -> LanguageGuess:
        # Composed accents (Vietnamese typed as base letter + combining mark) and ordinary
        # letters for full-width ones, as the models saw them in training.
        text = unicodedata.normalize("NFKC", text)
        script = dominant_script(text)
        if script is None:
            return LanguageGuess(None, 0.0)
        if script in _SINGLE_LANGUAGE_SCRIPT:
            return LanguageGuess(_SINGLE_LANGUAGE_SCRIPT[script], 0.99)
        if script not in _CANDIDATES:  # e.g. Japanese kana, Devanagari: not a language we speak
            return LanguageGuess(None, 0.0)
        scores = self._scores(text, script)
        if not scores:  # letters no model of this script recognises
            return LanguageGuess(None, 0.0)
        best = max(scores, key=scores.__getitem__)
        if best == "ru":
            return LanguageGuess("uk", round(scores["uk"], 3))
        return LanguageGuess(best, round(scores[best], 3))

    def _scores(self, text: str, script: str) -> dict[str, float]:
        letters = set(text)
        if script == "latin" and letters & _VIETNAMESE:
            return {"vi": 0.99}
        if script == "cyrillic" and letters & _UKRAINIAN and not letters & _RUSSIAN:
            return {"uk": 0.99}
        if script == "han":
            return self._han(text)
        candidates = _CANDIDATES[script]
        # English words mixed into Ukrainian or Arabic text would only pull lingua towards English.
        own_script = text if script == "latin" else "".join(
            ch if script_of(ch) in (script, None) else " " for ch in text)
        lingua = self._lingua(own_script, candidates) or ({"uk": 0.5} if script == "cyrillic" else {})
        domain = self._domain(text, script)
        if not domain:
            return lingua
        w = self._lingua_weight
        return {c: w * lingua.get(c, 0.0) + (1 - w) * domain.get(c, 0.0) for c in candidates}

    def _han(self, text: str) -> dict[str, float]:
        simplified = sum(ch in _SIMPLIFIED_ONLY for ch in text)
        traditional = sum(ch in _TRADITIONAL_ONLY for ch in text)
        if simplified or traditional:
            share = simplified / (simplified + traditional)
            certainty = min(0.99, 0.85 + 0.05 * abs(simplified - traditional))
            return ({"zh-Hans": certainty * share + (1 - certainty) * (1 - share),
                     "zh-Hant": certainty * (1 - share) + (1 - certainty) * share})
        domain = self._domain(text, "han") or {"zh-Hans": 0.5, "zh-Hant": 0.5}
        best = max(domain, key=domain.__getitem__)
        return {best: min(domain[best], _UNDECIDED_HAN_CAP)}

    def _lingua(self, text: str, candidates: tuple[str, ...]) -> dict[str, float]:
        allowed = {_LINGUA[c] for c in candidates if c in _LINGUA}
        values = {_FROM_LINGUA[v.language]: v.value
                  for v in self._detector.compute_language_confidence_values(text)
                  if v.language in allowed}
        total = sum(values.values())
        return {c: p / total for c, p in values.items()} if total else {}

    def _domain(self, text: str, script: str) -> dict[str, float]:
        model = self._models.get(script)
        return model.probabilities(text) if model else {}
