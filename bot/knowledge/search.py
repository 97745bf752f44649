"""Find the knowledge-base entry a message is about: fuzzy matching (rapidfuzz) of the message
against each entry's search phrases in the reader's language, within the topic the NLU chose.
English phrases are searched too, because English words are mixed into every language here.

A knowledge base of thousands of entries has tens of thousands of phrases per topic, too many to
score one by one on every message. A character-trigram index picks the phrases that share most of
their trigrams with the message (typos keep most of them), and only those are scored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import CountVectorizer

from bot.knowledge.model import KnowledgeBase
from bot.languages import DEFAULT
from bot.nlu.text import normalize

# partial_ratio scores how well the best-matching part of the message matches a phrase (0-100).
MIN_SCORE = 80.0
# Phrases this short ("sin", "msp", "rtb") count only as whole words of the message.
SHORT_PHRASE = 4
# Groups with more phrases than this are narrowed by the trigram index to this many candidates.
CANDIDATES = 200


@dataclass(frozen=True)
class Match:
    entry: str
    score: float  # 0-100


@lru_cache(maxsize=65536)
def _words(text: str) -> str:
    """The words of `text`, space-separated with a space at each end: ' sin card '."""
    return f" {' '.join(_WORD.findall(text))} "


_WORD = re.compile(r"\w+")


class _Phrases:
    """The phrases of one (language, topic), with a trigram index when there are many."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.phrases: list[str] = []
        self.entries: list[str] = []
        self._trigrams: CountVectorizer | None = None

    def add(self, phrase: str, entry: str) -> None:
        self.phrases.append(phrase)
        self.entries.append(entry)

    def build(self) -> None:
        if len(self.phrases) <= self.limit:
            return
        self._trigrams = CountVectorizer(analyzer="char_wb", ngram_range=(3, 3), binary=True, lowercase=False)
        matrix = self._trigrams.fit_transform(self.phrases)
        self._index = matrix.tocsc()
        self._sizes = np.maximum(np.asarray(matrix.sum(axis=1)).ravel(), 1)
        self._analyze = self._trigrams.build_analyzer()
        self._vocabulary = self._trigrams.vocabulary_

    def candidates(self, query: str) -> list[int]:
        """Indices of the phrases worth scoring for `query`."""
        if self._trigrams is None:
            return list(range(len(self.phrases)))
        columns = sorted({i for i in map(self._vocabulary.get, self._analyze(query)) if i is not None})
        if not columns:
            return []
        shared = np.asarray(self._index[:, columns].sum(axis=1)).ravel() / self._sizes
        best = np.argpartition(-shared, self.limit)[:self.limit]
        return best[shared[best] > 0].tolist()


class EntrySearch:
    def __init__(self, kb: KnowledgeBase, candidates: int = CANDIDATES):
        """`candidates`: how many phrases the trigram index lets through to fuzzy scoring."""
        self._groups: dict[tuple[str, str], _Phrases] = {}
        for entry in kb.entries.values():
            for language, text in entry.text.items():
                group = self._groups.setdefault((language, entry.topic), _Phrases(candidates))
                for phrase in (text.title, *text.phrases):
                    group.add(normalize(phrase), entry.id)
        for group in self._groups.values():
            group.build()

    def best(self, text: str, language: str | None, topic: str) -> Match | None:
        """The entry of `topic` that `text` matches best, if any matches well enough."""
        ranked = self.ranked(text, (language,), topic, 1)
        return ranked[0] if ranked else None

    def ranked(self, text: str, languages: tuple[str | None, ...], topic: str, limit: int) -> list[Match]:
        """Up to `limit` entries of `topic` that match `text` well enough, best first, searching the
        phrases of `languages` (the reader's, the message's) and English."""
        query = normalize(text)
        words = _words(query)
        # (score, length of the phrase, entry): short phrases ("msp") score 100 inside many messages,
        # so among equal scores the longer phrase, the more specific one, wins.
        candidates = []
        for lang in dict.fromkeys((*(lang for lang in languages if lang), DEFAULT)):
            group = self._groups.get((lang, topic))
            if group is None:
                continue
            indices = group.candidates(query)
            phrases = [group.phrases[i] for i in indices]
            for phrase, score, k in process.extract(query, phrases, scorer=fuzz.partial_ratio,
                                                    score_cutoff=MIN_SCORE, limit=None):
                if len(phrase) <= SHORT_PHRASE and phrase.isascii() and _words(phrase) not in words:
                    continue  # "sin" is not in "housing": a short word must be a word of the message
                candidates.append((score, len(phrase), group.entries[indices[k]]))
        best: dict[str, Match] = {}
        for score, _, entry in sorted(candidates, reverse=True):
            if entry not in best:
                best[entry] = Match(entry, score)
                if len(best) == limit:
                    break
        return list(best.values())
