"""Rasa as the NLU engine: a Rasa server (`scripts/rasa-setup serve`, trained on the same
`intents/` and `config.yml`) classifies each message's intent through `POST /model/parse`.

What keeps people safe and understood stays ours: the built-in engine still identifies the
language, and its crisis phrases and danger model still decide an emergency (Rasa may add one,
never take one away). When Rasa does not answer within the timeout, the built-in engine answers
alone, with a warning in the log, and Rasa is asked again after RETRY_AFTER seconds: a bot whose
NLU server is down keeps talking, and does not wait the timeout on every message."""

from __future__ import annotations

import logging
import threading
import time

import httpx

from bot.nlu.emergency import EMERGENCY
from bot.nlu.engine import MAX_ANALYSED_CHARS, OUT_OF_SCOPE, RANKED, BuiltinNLU, Parse

log = logging.getLogger("settlebot.nlu")
RETRY_AFTER = 30.0
RASA_FALLBACK = "nlu_fallback"  # Rasa's FallbackClassifier: below its threshold, out of scope for us


class RasaNLU:
    def __init__(self, url: str, token: str | None, timeout: float, builtin: BuiltinNLU, intents: list[str]):
        self.url = url
        self._client = httpx.Client(base_url=url, timeout=timeout, params={"token": token} if token else None)
        self._builtin = builtin
        self._intents = set(intents)
        self._lock = threading.Lock()
        self._down_until: float | None = None  # while Rasa is taken to be down: when to ask it again

    def parse(self, text: str) -> Parse:
        ours = self._builtin.parse(text)
        if ours.intent in (None, EMERGENCY):  # blank; or danger, which never waits on another server
            return ours
        answer = self._ask(text[:MAX_ANALYSED_CHARS])
        if answer is None:
            return ours
        ranking = tuple((self._ours(r.get("name")), round(float(r.get("confidence", 0.0)), 3))
                        for r in answer.get("intent_ranking", [])[:RANKED])
        intent = answer.get("intent") or {}
        return Parse(text, ours.language, ours.language_confidence, self._ours(intent.get("name")),
                     round(float(intent.get("confidence", 0.0)), 3), ranking=ranking)

    def _ours(self, name: str | None) -> str:
        return name if name in self._intents else OUT_OF_SCOPE  # nlu_fallback, or a model trained on other data

    def _ask(self, text: str) -> dict | None:
        """Rasa's parse of `text`, or None (it is down, or was a moment ago)."""
        with self._lock:
            if self._down_until is not None and time.monotonic() < self._down_until:
                return None
        try:
            response = self._client.post("/model/parse", json={"text": text})
            response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as error:
            with self._lock:
                if self._down_until is None:
                    log.warning("Rasa at %s did not answer (%s): the built-in engine answers, and Rasa is asked "
                                "again in %.0f s. Is it running (scripts/rasa-setup serve)? Is RASA_TOKEN right?",
                                self.url, str(error) or type(error).__name__, RETRY_AFTER)
                self._down_until = time.monotonic() + RETRY_AFTER
            return None
        with self._lock:
            if self._down_until is not None:
                log.warning("Rasa at %s answers again", self.url)
                self._down_until = None
        return answer
