"""The NLU's tunable settings (config.yml `settlebot.nlu`). Kept apart from the models so that
reading the configuration does not import scikit-learn."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClassifierSettings:
    char_ngrams: tuple[int, int] = (2, 4)
    word_ngrams: tuple[int, int] = (1, 2)
    regularization: float = 0.5  # LinearSVC's C: higher fits the examples more closely
    term_weight: float = 1.0  # how much one term-list hit counts against the n-gram features
    # An n-gram seen in fewer examples than this is dropped: it cannot generalise, and the
    # vocabulary is most of the model's memory.
    min_df: int = 2


@dataclass(frozen=True)
class Thresholds:
    # Below this the classifier's best guess is not trusted: the message is out of scope.
    intent: float = 0.2
    # The danger model reports an emergency from this probability on, whatever the intent: a false
    # alarm costs one extra line, a missed emergency can cost a life.
    emergency: float = 0.25
    # A word or two ("no", "lol") gives the model too little to go on, and its probabilities spread
    # wide: there it needs more. Cross-validated, this removed a sixth of the false alarms and
    # missed no emergency (real short crises score high or carry a listed phrase: "fire!!" 0.99).
    emergency_short: float = 0.7
