"""The shipped training data: complete in every language, and safe for the emergency matcher."""

from __future__ import annotations

from collections import Counter

from bot.languages import SUPPORTED
from bot.nlu.engine import EMERGENCY
from bot.nlu.phrases import PhraseMatcher
from bot.nlu.training_data import CONTRACT_INTENTS, TrainingData

TOPICS = {"housing", "language_classes", "jobs", "healthcare"}


def test_every_language_file_loads_with_every_contract_intent(training_data: TrainingData) -> None:
    counts = Counter((e.language, e.intent) for e in training_data.examples)
    for language in SUPPORTED:
        for intent in CONTRACT_INTENTS:
            minimum = 25 if intent in TOPICS else 10
            assert counts[language, intent] >= minimum, (language, intent, counts[language, intent])


def test_no_example_is_written_twice_in_a_language(training_data: TrainingData) -> None:
    seen = Counter((e.language, e.text.casefold()) for e in training_data.examples)
    assert [key for key, n in seen.items() if n > 1] == []


def test_every_language_lists_crisis_phrases(training_data: TrainingData) -> None:
    by_language = training_data.lookups["emergency_phrases"]
    assert {language for language, phrases in by_language.items() if len(phrases) >= 30} == set(SUPPORTED)


def test_crisis_phrases_never_fire_on_ordinary_messages(training_data: TrainingData) -> None:
    """A crisis phrase that fires on "I was fired" would send a job seeker crisis lines."""
    matcher = PhraseMatcher((p, EMERGENCY) for p in training_data.emergency_phrases)
    false_alarms = [(e.language, e.text, matcher.matches(e.text)) for e in training_data.examples
                    if e.intent != EMERGENCY and matcher.matches(e.text)]
    assert false_alarms == []
