"""A broken edit to intents/ is reported with the file, the line and a fix, by the library and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.languages import SUPPORTED
from bot.nlu.training_data import CONTRACT_INTENTS, TrainingDataError, load_training_data
from tests.conftest import settlebot


def _valid_file(language: str) -> str:
    blocks = "".join(f"- intent: {intent}\n  examples: |\n    - {intent} in {language}\n"
                     for intent in CONTRACT_INTENTS)
    return f'version: "3.1"\nnlu:\n{blocks}'


@pytest.fixture
def intents_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "intents"
    directory.mkdir()
    for language in SUPPORTED:
        (directory / f"{language}.yml").write_text(_valid_file(language), encoding="utf-8")
    return directory


def test_a_valid_set_loads(intents_dir: Path) -> None:
    data = load_training_data(intents_dir)
    assert len(data.examples) == len(SUPPORTED) * len(CONTRACT_INTENTS)


# (what the staff member did, new text of fa.yml, line reported, words the message must contain)
BROKEN = [
    ("bad indentation",
     'version: "3.1"\nnlu:\n- intent: housing\n  examples: |\n    - rent\n   - intent: jobs\n', 6, "YAML syntax"),
    ("an example without its dash",
     'version: "3.1"\nnlu:\n- intent: housing\n  examples: |\n    - rent\n    khoone mikham\n', 6,
     "does not start with '- '"),
    ("a missing version",
     "nlu:\n- intent: housing\n  examples: |\n    - rent\n", 1, "version"),
    ("an unquoted version",
     'version: 3.1\nnlu:\n- intent: housing\n  examples: |\n    - rent\n', 1, "version"),
    ("examples folded into one line",
     'version: "3.1"\nnlu:\n- intent: housing\n  examples: >\n    - rent\n    - deposit\n', 4, "'|' block"),
    ("a misspelt crisis phrase table",
     _valid_file("fa") + "- lookup: emergency_phrase\n  examples: |\n    - kill me\n", 39,
     "did you mean 'emergency_phrases'"),
    ("a crisis phrase that would match anything",
     _valid_file("fa") + "- lookup: emergency_phrases\n  examples: |\n    - kill me\n    - a*\n", 42,
     "cannot be matched"),
    ("a misspelt intent",
     _valid_file("fa").replace("- intent: housing\n", "- intent: housng\n"), 3, "did you mean 'housing'"),
    ("a lookup table named after no intent",
     _valid_file("fa") + "- lookup: housng_terms\n  examples: |\n    - rent\n", 0, "housing_terms"),
]


@pytest.mark.parametrize(("mistake", "text", "line", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_file_is_named_with_its_line(intents_dir: Path, mistake: str, text: str, line: int,
                                             words: str) -> None:
    path = intents_dir / "fa.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TrainingDataError) as raised:
        load_training_data(intents_dir)
    message = str(raised.value)
    assert (f"{path}:{line}:" if line else f"{path}:") in message
    assert words in message
    assert "fix:" in message


def test_a_file_for_an_unsupported_language_is_reported(intents_dir: Path) -> None:
    (intents_dir / "de.yml").write_text(_valid_file("de"), encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"de.yml: 'de' is not a supported language code"):
        load_training_data(intents_dir)


def test_a_missing_intent_is_reported_for_that_language(intents_dir: Path) -> None:
    path = intents_dir / "uk.yml"
    path.write_text(_valid_file("uk").replace("- intent: thanks\n  examples: |\n    - thanks in uk\n", ""),
                    encoding="utf-8")
    with pytest.raises(TrainingDataError, match=r"uk.yml: intent 'thanks' has no examples in this file"):
        load_training_data(intents_dir)


def test_the_cli_reports_the_file_and_line_and_exits_1(intents_dir: Path, tmp_path: Path) -> None:
    (intents_dir / "ar.yml").write_text(BROKEN[1][1], encoding="utf-8")
    config = tmp_path / "config.yml"
    config.write_text(f"settlebot:\n  nlu:\n    intents_dir: {intents_dir}\n", encoding="utf-8")
    result = settlebot("--config", str(config), "parse", stdin="hello\n")
    assert result.returncode == 1
    assert f"{intents_dir / 'ar.yml'}:6:" in result.stderr
    assert result.stdout == ""
