"""Shared test support: one trained NLU engine per session, and the real `settlebot` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, load_settings
from bot.nlu.engine import BuiltinNLU
from bot.nlu.factory import build_builtin
from bot.nlu.training_data import TrainingData, load_training_data

HOLDOUT_DIR = Path(__file__).parent / "data" / "holdout"
SETTLEBOT = Path(sys.executable).parent / "settlebot"


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


def settlebot(*args: str, stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed `settlebot` console script, as a user would."""
    return subprocess.run([str(SETTLEBOT), *args], input=stdin, capture_output=True, text=True,
                          encoding="utf-8", timeout=timeout, check=False)
