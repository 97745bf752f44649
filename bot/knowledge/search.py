"""Find the knowledge-base entry a message is about: fuzzy matching (rapidfuzz) of the message
against each entry's search phrases in the reader's language, within the topic the NLU chose.
English phrases are searched too, because English words are mixed into every language here."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.knowledge.model import KnowledgeBase
from bot.languages import DEFAULT
from bot.nlu.text import normalize

# partial_ratio scores how well the best-matching part of the message matches a phrase (0-100).
MIN_SCORE = 80.0
# Short phrases ("msp") score 100 inside many messages: compare the best few, prefer the longest.
MATCHES_COMPARED = 10


@dataclass(frozen=True)
class Match:
    entry: str
    score: float  # 0-100


class EntrySearch:
    def __init__(self, kb: KnowledgeBase):
        # (language, topic) -> parallel lists of normalized phrases and their entry ids
        self._phrases: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        for entry in kb.entries.values():
            for language, text in entry.text.items():
                phrases, ids = self._phrases.setdefault((language, entry.topic), ([], []))
                for phrase in (text.title, *text.phrases):
                    phrases.append(normalize(phrase))
                    ids.append(entry.id)

    def best(self, text: str, language: str | None, topic: str) -> Match | None:
        """The entry of `topic` that `text` matches best, if any matches well enough."""
        query = normalize(text)
        candidates = []  # (score, length of the phrase, entry): a longer phrase is the more specific
        for lang in dict.fromkeys((language or DEFAULT, DEFAULT)):
            phrases, ids = self._phrases.get((lang, topic), ([], []))
            for phrase, score, index in process.extract(query, phrases, scorer=fuzz.partial_ratio,
                                                        score_cutoff=MIN_SCORE, limit=MATCHES_COMPARED):
                candidates.append((score, len(phrase), ids[index]))
        if not candidates:
            return None
        score, _, entry = max(candidates)
        return Match(entry, score)
