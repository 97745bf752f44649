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
        best: Match | None = None
        for lang in dict.fromkeys((language or DEFAULT, DEFAULT)):
            phrases, ids = self._phrases.get((lang, topic), ([], []))
            found = process.extractOne(query, phrases, scorer=fuzz.partial_ratio, score_cutoff=MIN_SCORE)
            if found and (best is None or found[1] > best.score):
                best = Match(ids[found[2]], found[1])
        return best
