"""Stratified k-fold cross-validation of an NLU engine on the training data."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from sklearn.model_selection import StratifiedKFold

from bot.nlu.engine import EMERGENCY, NLUEngine
from bot.nlu.text import is_romanized
from bot.nlu.training_data import Example, TrainingData


@dataclass(frozen=True)
class Outcome:
    example: Example
    intent: str | None
    language: str | None

    @property
    def romanized(self) -> bool:
        """Typed in Latin letters in a language that has its own script (pa, ar, fa, uk, zh, ko)."""
        return is_romanized(self.example.text, self.example.language)


@dataclass
class Report:
    outcomes: list[Outcome]

    def accuracy(self, outcomes: Iterable[Outcome] | None = None, what: str = "intent") -> float:
        rows = list(self.outcomes if outcomes is None else outcomes)
        if not rows:
            return float("nan")
        expected = (lambda o: o.example.intent) if what == "intent" else (lambda o: o.example.language)
        return sum(getattr(o, what) == expected(o) for o in rows) / len(rows)

    def by(self, key: Callable[[Outcome], str]) -> dict[str, list[Outcome]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            groups[key(outcome)].append(outcome)
        return dict(sorted(groups.items()))

    def emergency_recall(self) -> float:
        return self.accuracy(o for o in self.outcomes if o.example.intent == EMERGENCY)

    def false_alarms(self) -> int:
        return sum(o.intent == EMERGENCY != o.example.intent for o in self.outcomes)

    def native_script_language_accuracy(self) -> float:
        return self.accuracy((o for o in self.outcomes if not o.romanized), what="language")

    def confusions(self, top: int) -> list[tuple[tuple[str, str | None], int]]:
        pairs = Counter((o.example.intent, o.intent) for o in self.outcomes if o.intent != o.example.intent)
        return pairs.most_common(top)


def splits(data: TrainingData, folds: int = 5, seed: int = 0) -> Iterator[tuple[TrainingData, list[Example]]]:
    """k times: the training data without one fold, and that fold. Folds keep the share of every
    (language, intent) pair, so each language is tested on every intent."""
    examples = data.examples
    strata = [f"{e.language}/{e.intent}" for e in examples]
    for train, test in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(examples, strata):
        yield TrainingData([examples[i] for i in train], data.lookups), [examples[i] for i in test]


def cross_validate(data: TrainingData, build: Callable[[TrainingData], NLUEngine], folds: int = 5,
                   seed: int = 0, progress: Callable[[int, int], None] | None = None) -> Report:
    """Train on k-1 folds and parse the held-out fold, k times (`splits`)."""
    outcomes: list[Outcome] = []
    for fold, (training, test) in enumerate(splits(data, folds, seed), start=1):
        engine = build(training)
        for example in test:
            parsed = engine.parse(example.text)
            outcomes.append(Outcome(example, parsed.intent, parsed.language))
        if progress:
            progress(fold, folds)
    return Report(outcomes)


def format_report(report: Report, top: int = 10) -> str:
    lines = [f"examples: {len(report.outcomes)}",
             f"intent accuracy: {report.accuracy():.3f}",
             f"emergency recall: {report.emergency_recall():.3f}  "
             f"(false alarms: {report.false_alarms()})",
             f"language ID accuracy (native script): {report.native_script_language_accuracy():.3f}",
             "", f"{'language':<10}{'n':>6}{'intent':>9}{'lang ID':>9}"]
    for language, rows in report.by(lambda o: o.example.language).items():
        lines.append(f"{language:<10}{len(rows):>6}{report.accuracy(rows):>9.3f}"
                     f"{report.accuracy(rows, 'language'):>9.3f}")
    lines += ["", f"{'intent':<18}{'n':>6}{'accuracy':>10}"]
    for intent, rows in report.by(lambda o: o.example.intent).items():
        lines.append(f"{intent:<18}{len(rows):>6}{report.accuracy(rows):>10.3f}")
    lines += ["", "top confusions (expected -> predicted):"]
    lines += [f"  {n:>4}  {want} -> {got}" for (want, got), n in report.confusions(top)]
    return "\n".join(lines)
