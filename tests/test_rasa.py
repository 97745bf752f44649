"""Rasa as the NLU engine, for real: `scripts/rasa-setup` builds (or reuses) the Rasa venv beside
the project, trains on the shipped intents/ and config.yml, and serves the model with
`rasa run --enable-api` on loopback, with a token. `settlebot parse --nlu rasa` and a console
conversation use it; with Rasa stopped, the bot answers with the built-in engine.

The first run on a machine installs Rasa (about 2 minutes) and trains (a few minutes); later runs
reuse both while intents/ and config.yml are unchanged."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.config import PROJECT_ROOT
from bot.nlu import rasa as rasa_engine
from bot.nlu.engine import BuiltinNLU
from bot.nlu.rasa import RasaNLU
from bot.nlu.training_data import TrainingData
from tests.conftest import TEST_KEY, settlebot
from tests.servers import free_port, serve_posts

SETUP = PROJECT_ROOT / "scripts" / "rasa-setup"
TOKEN = "rasa-test-token"
MESSAGES = ["how do i apply for msp", "كيف أسجل في التأمين الصحي MSP", "je cherche un cours de français gratuit",
            "where can i find a job", "I want to kill myself"]


def run_setup(command: str, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """scripts/rasa-setup in a process group of its own (pip, rasa and their children go with it)."""
    with log.open("w") as output:
        return subprocess.Popen([str(SETUP), command], env={**os.environ, **(env or {})}, stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="module")
def rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a Rasa server trained on the shipped data, requiring TOKEN."""
    logs = tmp_path_factory.mktemp("rasa")
    training = run_setup("train", logs / "train.log")
    try:
        training.communicate(timeout=3600)
    finally:
        stop(training)
    assert training.returncode == 0, (logs / "train.log").read_text()[-3000:]
    port = free_port()
    server = run_setup("serve", logs / "serve.log", {"RASA_PORT": str(port), "RASA_TOKEN": TOKEN})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/status", params={"token": TOKEN}).status_code == 200:
                    break
            assert server.poll() is None, f"rasa run ended: {(logs / 'serve.log').read_text()[-3000:]}"
            assert time.monotonic() < deadline, "rasa run did not answer within 5 minutes"
            time.sleep(1)
        yield url
    finally:
        stop(server)


def rasa_env(url: str, tmp_path: Path, token: str = TOKEN) -> dict[str, str]:
    return {"RASA_URL": url, "RASA_TOKEN": token, "SETTLEBOT_SECRET_KEY": TEST_KEY,
            "SETTLEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'rasa.sqlite3'}"}


def test_parse_with_rasa_gives_rasas_intents_and_our_languages(rasa: str, tmp_path: Path) -> None:
    result = settlebot("parse", "--nlu", "rasa", stdin="\n".join(MESSAGES) + "\n", env=rasa_env(rasa, tmp_path))
    assert result.returncode == 0 and "Rasa" not in result.stderr, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["language"] for row in rows] == ["en", "ar", "fr", "en", "en"]  # ours
    assert [row["intent"] for row in rows] == ["healthcare", "healthcare", "language_classes", "jobs", "emergency"]
    for row in rows[:4]:  # the intent and its confidence are Rasa's own
        asked = httpx.post(f"{rasa}/model/parse", params={"token": TOKEN}, json={"text": row["text"]}).json()
        assert (row["intent"], row["confidence"]) == (asked["intent"]["name"], round(asked["intent"]["confidence"], 3))
    assert rows[0]["entry"] == "msp-enrolment"  # the knowledge-base search is the same whatever the engine


def test_a_console_conversation_with_rasa(rasa: str, tmp_path: Path) -> None:
    chat = settlebot("chat", "--nlu", "rasa", "--contact", "rasa-1", stdin="how do i apply for msp\n1\n/menu\n",
                     env=rasa_env(rasa, tmp_path))
    assert chat.returncode == 0 and "Rasa" not in chat.stderr, chat.stderr
    assert "OK. I will write to you in English." in chat.stdout and "MSP" in chat.stdout
    assert "I can answer questions about" in chat.stdout


def test_with_rasa_stopped_the_builtin_engine_answers(tmp_path: Path) -> None:
    stopped = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    chat = settlebot("chat", "--nlu", "rasa", "--contact", "rasa-2",
                     stdin="how do i apply for msp\n1\nwhere can i find a job\n", env=rasa_env(stopped, tmp_path))
    assert chat.returncode == 0, chat.stderr
    assert "MSP" in chat.stdout and "WorkBC" in chat.stdout  # answered all the same
    assert chat.stderr.count("did not answer") == 1  # said once, not at every message
    assert "scripts/rasa-setup serve" in chat.stderr


def test_a_wrong_token_is_reported_and_the_builtin_engine_answers(rasa: str, tmp_path: Path) -> None:
    result = settlebot("parse", "--nlu", "rasa", stdin="how do i apply for msp\n",
                       env=rasa_env(rasa, tmp_path, token="not the token"))
    assert result.returncode == 0 and json.loads(result.stdout)["intent"] == "healthcare"
    assert "401" in result.stderr and "RASA_TOKEN" in result.stderr
    assert "not the token" not in result.stderr  # the token is never logged


# The engine against a stand-in Rasa that misbehaves in ways a real one rarely does on cue -------

class OddRasa:
    """An HTTP server on loopback that answers POST /model/parse with the next of `answers`
    (status, body), and counts what it was asked."""

    def __init__(self, answers: list[tuple[int, object]]):
        self.answers, self.asked = answers, []
        self.url = f"http://127.0.0.1:{serve_posts(self._post).server_address[1]}"

    def _post(self, _path: str, _headers: dict[str, str], body: bytes) -> tuple[int, object]:
        self.asked.append(json.loads(body)["text"])
        return self.answers.pop(0)


def parse_body(intent: str, confidence: float) -> dict:
    return {"text": "", "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}, {"name": "nlu_fallback", "confidence": 0.3},
                               {"name": "out_of_scope", "confidence": 0.1}]}


def test_the_engine_rides_out_odd_answers_and_says_so_once(nlu: BuiltinNLU, training_data: TrainingData,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(rasa_engine, "RETRY_AFTER", 0.0)  # ask again at once
    odd = OddRasa([(500, {}), (200, None), (200, [1]), (200, parse_body("jobs", 0.61)),
                   (200, parse_body("nlu_fallback", 0.35))])
    engine = RasaNLU(odd.url, "secret-token", 2.0, nlu, training_data.intents)
    with caplog.at_level(logging.WARNING, logger="settlebot.nlu"):
        ours = [engine.parse("how do i apply for msp") for _ in range(3)]  # 500, an empty body, [1]
        assert [p.intent for p in ours] == ["healthcare"] * 3  # the built-in engine's
        theirs = engine.parse("how do i apply for msp")
        fallback = engine.parse("how do i apply for msp")
    assert (theirs.intent, theirs.confidence, theirs.language) == ("jobs", 0.61, "en")  # Rasa's, and our language
    assert theirs.ranking == (("jobs", 0.61), ("out_of_scope", 0.3))  # nlu_fallback is out_of_scope, once
    assert fallback.intent == "out_of_scope"
    messages = [record.getMessage() for record in caplog.records]
    assert sum("did not answer (HTTP 500)" in m for m in messages) == 1 and sum("answers again" in m
                                                                                 for m in messages) == 1
    assert not any("secret-token" in m for m in messages)


def test_an_emergency_never_waits_for_rasa(nlu: BuiltinNLU, training_data: TrainingData) -> None:
    odd = OddRasa([])
    engine = RasaNLU(odd.url, None, 2.0, nlu, training_data.intents)
    assert engine.parse("I want to kill myself").intent == "emergency" and odd.asked == []
