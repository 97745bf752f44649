"""Shared test support: one trained NLU engine per session, the real `settlebot` command, and
empty databases on SQLite and (when SETTLEBOT_TEST_DATABASE_URL is set, as in CI) PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.config import PROJECT_ROOT, load_settings
from bot.dialogue import Dialogue
from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.model import KnowledgeBase
from bot.nlu.engine import BuiltinNLU
from bot.nlu.factory import build_builtin
from bot.nlu.training_data import TrainingData, load_training_data
from bot.storage.database import open_database
from tests.people import KEY
from tests.servers import SETTLEBOT, MailBox

HOLDOUT_DIR = Path(__file__).parent / "data" / "holdout"


@pytest.fixture(scope="session")
def training_data() -> TrainingData:
    return load_training_data(PROJECT_ROOT / "intents")


@pytest.fixture(scope="session")
def holdout() -> TrainingData:
    """Messages written apart from the training data, by other authors (see tests/data/holdout)."""
    return load_training_data(HOLDOUT_DIR)


@pytest.fixture(scope="session")
def nlu(training_data: TrainingData) -> BuiltinNLU:
    return build_builtin(training_data, load_settings().nlu)


def settlebot(*args: str, stdin: str = "", timeout: float = 120,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `settlebot` console script, as a user would (`env` adds to the environment)."""
    return subprocess.run([str(SETTLEBOT), *args], input=stdin, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, check=False, env={**os.environ, **(env or {})})


TEST_KEY = "test-secret-key-" + "0" * 32  # SETTLEBOT_SECRET_KEY for tests
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("SETTLEBOT_TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a PostgreSQL schema of its own, so that tests (and the
    processes they start) never see each other's rows."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'settlebot.sqlite3'}"
        return
    server = os.environ["SETTLEBOT_TEST_DATABASE_URL"]
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in server else "?"
    yield f"{server}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return open_database(database_url)


@pytest.fixture
def kb() -> KnowledgeBase:
    return load_knowledge_base(PROJECT_ROOT / "knowledge_base")[0]


@pytest.fixture
def dialogue(nlu: BuiltinNLU, kb: KnowledgeBase, sessions: sessionmaker[Session]) -> Dialogue:
    return Dialogue(nlu, kb, sessions, KEY)


@pytest.fixture
def mailbox() -> Iterator[MailBox]:
    """An SMTP server on loopback that keeps what it receives."""
    box = MailBox().start()
    yield box
    box.stop()
