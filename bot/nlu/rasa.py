"""Rasa as the NLU engine: a Rasa server (`scripts/rasa-setup serve`, trained on the same
`intents/` and `config.yml`) classifies each message's intent through `POST /model/parse`.

What keeps people safe and understood stays ours: the built-in engine still identifies the
language, and its crisis phrases and danger model still decide an emergency (Rasa may add one,
never take one away). When Rasa does not answer in time (the timeout applies to connecting and
again to the answer), or answers something unreadable, the built-in engine answers alone, the
log says so once, and one message RETRY_AFTER seconds later asks Rasa again: a bot whose NLU
server is down keeps talking, and does not wait the timeout on every message."""

from __future__ import annotations

import logging
import threading
import time

import httpx

from bot.nlu.emergency import EMERGENCY
from bot.nlu.engine import MAX_ANALYSED_CHARS, OUT_OF_SCOPE, RANKED, BuiltinNLU, Parse

log = logging.getLogger("settlebot.nlu")
RETRY_AFTER = 30.0


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
        if not self._may_ask():
            return ours
        try:
            response = self._client.post("/model/parse", json={"text": text[:MAX_ANALYSED_CHARS]})
            response.raise_for_status()
            answer = response.json()
            intent, confidence = self._ours(answer["intent"]["name"]), float(answer["intent"]["confidence"])
            ranking: dict[str, float] = {}
            for ranked in answer.get("intent_ranking") or []:  # nlu_fallback and out_of_scope are one for us
                ranking.setdefault(self._ours(ranked["name"]), round(float(ranked["confidence"]), 3))
        except httpx.HTTPStatusError as error:
            return self._down(f"HTTP {error.response.status_code}", ours)  # str(error) holds the URL and token
        except httpx.HTTPError as error:
            return self._down(type(error).__name__, ours)
        except (ValueError, TypeError, KeyError, AttributeError):
            return self._down("an answer that is not Rasa's parse", ours)
        self._up()
        return Parse(text, ours.language, ours.language_confidence, intent, round(confidence, 3),
                     ranking=tuple(ranking.items())[:RANKED])

    def _ours(self, name: object) -> str:
        return name if name in self._intents else OUT_OF_SCOPE  # nlu_fallback, or a model trained on other data

    def _may_ask(self) -> bool:
        """Whether to ask Rasa now: yes while it answers; when it was down, once RETRY_AFTER has
        passed, and then for one message only until that one has its answer."""
        with self._lock:
            if self._down_until is None:
                return True
            if time.monotonic() < self._down_until:
                return False
            self._down_until = time.monotonic() + RETRY_AFTER  # the other threads wait for this probe
            return True

    def _down(self, reason: str, ours: Parse) -> Parse:
        with self._lock:
            if self._down_until is None:
                log.warning("Rasa at %s did not answer (%s): the built-in engine answers, and Rasa is asked "
                            "again in %.0f s. Is it running (scripts/rasa-setup serve)? Is RASA_TOKEN right?",
                            self.url, reason, RETRY_AFTER)
            self._down_until = time.monotonic() + RETRY_AFTER
        return ours

    def _up(self) -> None:
        with self._lock:
            if self._down_until is not None:
                log.warning("Rasa at %s answers again", self.url)
                self._down_until = None
