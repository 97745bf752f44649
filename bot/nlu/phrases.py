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
from functools import lru_cache

from bot.nlu.text import dominant_script, normalize

_SUBSTRING_SCRIPTS = frozenset({"han", "kana", "hangul", "arabic"})
_MIN_SUBSTRING_CHARS = {"arabic": 3}
# Apostrophes split too: French "m'a enfermée" and "l'étrangler" are two words each.
_SPLIT = re.compile(r"[\s.,!?;:()\[\]{}\"«»“”„،؛؟¿¡…/\\|+=~*#@<>'’ʼ-]+")
_KEY = 2  # substring phrases are indexed by their first two characters
# Text with a letter of a substring-matched script; other text skips the character-by-character scan.
_SUBSTRING_TEXT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff"
                             "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                             "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")


def words(normalized: str) -> list[str]:
    return [w for w in _SPLIT.split(normalized) if w]


class PhraseMatcher:
    """Maps phrases to labels (any hashable value); `labels(text)` says whose phrases occur."""

    def __init__(self, phrases: Iterable[tuple[str, Hashable]]):
        """`phrases`: (phrase, label) pairs."""
        # first word -> (words, label, has a wildcard word)
        self._by_word: dict[str, list[tuple[tuple[str, ...], Hashable, bool]]] = defaultdict(list)
        self._by_prefix: dict[str, list[tuple[tuple[str, ...], Hashable]]] = defaultdict(list)
        self._by_key: dict[str, list[tuple[str, Hashable]]] = defaultdict(list)
        for phrase, label in phrases:
            self._add(phrase, label)
        self._prefix_lengths = sorted({len(p) for p in self._by_prefix})

    def _add(self, phrase: str, label: Hashable) -> None:
        parsed = _parse(phrase)
        if isinstance(parsed, str):
            return  # unusable: the training-data loader reports it with its file and line
        kind, value = parsed
        if kind == "substring":
            self._by_key[value[:_KEY]].append((value, label))
        elif value[0].endswith("*"):
            self._by_prefix[value[0][:-1]].append((value, label))
        else:
            self._by_word[value[0]].append((value, label, any(t.endswith("*") for t in value)))

    def matches(self, text: str) -> list[tuple[str, Hashable]]:
        """Every (phrase, label) found in `text`."""
        return self.matches_normalized(normalize(text))

    def matches_normalized(self, normalized: str) -> list[tuple[str, Hashable]]:
        """Every (phrase, label) found in text that `normalize` has already folded."""
        found = [(phrase, label)
                 for i in range(len(normalized) - _KEY + 1)
                 for phrase, label in self._by_key.get(normalized[i:i + _KEY], ())
                 if normalized.startswith(phrase, i)] if _SUBSTRING_TEXT.search(normalized) else []
        tokens = tuple(words(normalized))
        for i, token in enumerate(tokens):
            # Whole-word phrases: a tuple comparison. Phrases with a wildcard: word by word.
            found += [(" ".join(p), label) for p, label, wild in self._by_word.get(token, ())
                      if (_matches_at(tokens, i, p) if wild else tokens[i:i + len(p)] == p)]
            for length in self._prefix_lengths:
                if len(token) < length:
                    break
                found += [(" ".join(p), label) for p, label in self._by_prefix.get(token[:length], ())
                          if _matches_at(tokens, i, p)]
        return found

    def labels(self, normalized: str) -> set[Hashable]:
        """The labels of the phrases found in already-normalized text."""
        return {label for _, label in self.matches_normalized(normalized)}


def _tokens(normalized: str) -> tuple[str, ...]:
    # Keep the wildcard through the split, which treats '*' as punctuation.
    return tuple(t.replace("\0", "*") for t in words(normalized.replace("*", "\0")))


def problem(phrase: str) -> str | None:
    """Why a listed phrase cannot be matched as written, or None if it can."""
    parsed = _parse(phrase)
    return parsed if isinstance(parsed, str) else None


# The loader checks every phrase and the matcher then indexes it: parse each one once.
@lru_cache(maxsize=1 << 16)
def _parse(phrase: str) -> tuple[str, str | tuple[str, ...]] | str:
    """("substring", text) or ("words", tokens) for a usable phrase; otherwise why it is not."""
    text = normalize(phrase)
    script = dominant_script(text.replace("*", ""))
    if script in _SUBSTRING_SCRIPTS:
        text = text.replace("*", "")
        minimum = max(_KEY, _MIN_SUBSTRING_CHARS.get(script, _KEY))
        if len(text) < minimum:
            return f"in this script a phrase needs at least {minimum} characters, or it matches inside other words"
        return "substring", text
    tokens = _tokens(text)
    if not tokens or tokens[0] == "*":
        return "it has no word to match"
    if tokens[0].endswith("*") and len(tokens[0]) < 3:
        return "its first word needs at least two letters before the '*', or it matches almost anything"
    return "words", tokens


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
