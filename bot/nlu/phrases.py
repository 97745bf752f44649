"""Find listed phrases in a message, in every language at once.

Staff list phrases per language in `intents/<language>.yml` as Rasa lookup tables: crisis phrases
(`emergency_phrases`), which trigger the emergency reply before anything else, and per-intent term
lists (`housing_terms`, ...), which the classifier uses as features. Matching folds case and accents;
a phrase word ending in `*` matches any word that starts with it (`suicid*`). Scripts written without
spaces (Chinese, Japanese, Korean), or with clitics glued to words (Arabic, Persian), match as
substrings; the others on whole words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable

from bot.nlu.text import dominant_script, normalize

_SUBSTRING_SCRIPTS = frozenset({"han", "kana", "hangul", "arabic"})
_MIN_SUBSTRING_CHARS = {"arabic": 3}
# Apostrophes split too: French "m'a enfermée" and "l'étrangler" are two words each.
_SPLIT = re.compile(r"[\s.,!?;:()\[\]{}\"«»“”„،؛؟¿¡…/\\|+=~*#@<>'’ʼ-]+")
_KEY = 2  # substring phrases are indexed by their first two characters


def words(normalized: str) -> list[str]:
    return [w for w in _SPLIT.split(normalized) if w]


class PhraseMatcher:
    """Maps phrases to labels (any hashable value); `labels(text)` says whose phrases occur."""

    def __init__(self, phrases: Iterable[tuple[str, Hashable]]):
        """`phrases`: (phrase, label) pairs."""
        self._by_word: dict[str, list[tuple[tuple[str, ...], Hashable]]] = defaultdict(list)
        self._by_prefix: dict[str, list[tuple[tuple[str, ...], Hashable]]] = defaultdict(list)
        self._by_key: dict[str, list[tuple[str, Hashable]]] = defaultdict(list)
        for phrase, label in phrases:
            self._add(phrase, label)
        self._prefix_lengths = sorted({len(p) for p in self._by_prefix})

    def _add(self, phrase: str, label: Hashable) -> None:
        text = normalize(phrase)
        script = dominant_script(text.replace("*", ""))
        if script in _SUBSTRING_SCRIPTS:
            text = text.replace("*", "")
            if len(text) >= max(_KEY, _MIN_SUBSTRING_CHARS.get(script, _KEY)):
                self._by_key[text[:_KEY]].append((text, label))
            return
        # Keep the wildcard through the split, which treats '*' as punctuation.
        tokens = tuple(t.replace("\0", "*") for t in words(text.replace("*", "\0")))
        if not tokens:
            return
        if tokens[0].endswith("*"):
            self._by_prefix[tokens[0][:-1]].append((tokens, label))
        else:
            self._by_word[tokens[0]].append((tokens, label))

    def matches(self, text: str) -> list[tuple[str, Hashable]]:
        """Every (phrase, label) found in `text`."""
        return self.matches_normalized(normalize(text))

    def matches_normalized(self, normalized: str) -> list[tuple[str, Hashable]]:
        """Every (phrase, label) found in text that `normalize` has already folded."""
        found = [(phrase, label)
                 for i in range(len(normalized) - _KEY + 1)
                 for phrase, label in self._by_key.get(normalized[i:i + _KEY], ())
                 if normalized.startswith(phrase, i)]
        tokens = words(normalized)
        for i, token in enumerate(tokens):
            candidates = list(self._by_word.get(token, ()))
            for length in self._prefix_lengths:
                if len(token) < length:
                    break
                candidates += self._by_prefix.get(token[:length], ())
            found += [(" ".join(p), label) for p, label in candidates if _matches_at(tokens, i, p)]
        return found

    def labels(self, normalized: str) -> set[Hashable]:
        """The labels of the phrases found in already-normalized text."""
        return {label for _, label in self.matches_normalized(normalized)}


def _matches_at(tokens: list[str], start: int, phrase: tuple[str, ...]) -> bool:
    if start + len(phrase) > len(tokens):
        return False
    for token, pattern in zip(tokens[start:start + len(phrase)], phrase, strict=True):
        if pattern.endswith("*"):
            if not token.startswith(pattern[:-1]):
                return False
        elif token != pattern:
            return False
    return True
