"""`settlebot parse` obeys the contract that outside tools rely on."""

from __future__ import annotations

import json
import subprocess

from bot.config import PROJECT_ROOT
from bot.knowledge.loader import load_knowledge_base
from bot.languages import SUPPORTED
from bot.nlu.training_data import CONTRACT_INTENTS
from tests.conftest import SETTLEBOT, settlebot

FIELDS = {"text", "language", "language_confidence", "intent", "confidence", "entry"}
ENTRIES = set(load_knowledge_base(PROJECT_ROOT / "knowledge_base")[0].entries)


def test_one_json_object_per_input_line_with_unicode_kept() -> None:
    lines = ["where can i find a family doctor", "", "ابحث عن شقة للايجار بسعر رخيص",
             "   ", "我想找一个免费的英语班", "ਮੈਨੂੰ ਕੰਮ ਚਾਹੀਦਾ", "Привіт, де отримати SIN?"]
    result = settlebot("parse", stdin="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert len(out) == len(lines)
    assert "ابحث" in result.stdout and "\\u" not in result.stdout  # Unicode as is, not escaped
    for line, raw in zip(lines, out, strict=True):
        parsed = json.loads(raw)
        assert set(parsed) == FIELDS
        assert parsed["text"] == line
        assert parsed["entry"] is None or parsed["entry"] in ENTRIES
        if line.strip():
            assert parsed["language"] in SUPPORTED
            assert parsed["intent"] in CONTRACT_INTENTS
            assert 0.0 <= parsed["confidence"] <= 1.0
            assert 0.0 <= parsed["language_confidence"] <= 1.0
        else:  # blank lines: nothing to understand, but still one line out
            assert (parsed["language"], parsed["intent"]) == (None, None)


def test_it_understands_what_it_reads() -> None:
    result = settlebot("parse", stdin="ابحث عن شقة للايجار بسعر رخيص\n我想找一个免费的英语班\n")
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert (first["language"], first["intent"]) == ("ar", "housing")
    assert (second["language"], second["intent"]) == ("zh-Hans", "language_classes")


def test_windows_line_endings_and_a_missing_final_newline() -> None:
    result = settlebot("parse", stdin="hello\r\nthank you so much")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["text"] for o in out] == ["hello", "thank you so much"]


def test_answers_each_line_as_it_arrives() -> None:
    """A program can keep `settlebot parse` open and ask one message at a time."""
    with subprocess.Popen([str(SETTLEBOT), "parse"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True, encoding="utf-8") as process:
        assert process.stdin and process.stdout
        process.stdin.write("my husband is hitting me\n")
        process.stdin.flush()
        reply = json.loads(process.stdout.readline())  # before stdin is closed
        assert reply["intent"] == "emergency"
        process.stdin.close()
        assert process.wait(timeout=30) == 0


def test_help_is_complete() -> None:
    top = settlebot("--help").stdout
    assert "parse" in top and "nlu" in top and "--config" in top
    parse = settlebot("parse", "--help").stdout
    assert "--nlu" in parse and "JSON" in parse
    assert "--folds" in settlebot("nlu", "evaluate", "--help").stdout


def test_evaluate_reports_every_language_and_intent() -> None:
    result = settlebot("nlu", "evaluate", "--folds", "2", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "fold 2/2 done" in result.stderr
    table = result.stdout
    assert "intent accuracy:" in table and "emergency recall:" in table
    rows = {line.split()[0] for line in table.splitlines() if line.split()}
    assert set(SUPPORTED) <= rows and set(CONTRACT_INTENTS) <= rows


def test_lines_without_letters_have_no_language_and_no_emergency() -> None:
    lines = ["👍", "604-555-0123", ":)", "\u200b"]
    out = [json.loads(line) for line in settlebot("parse", stdin="\n".join(lines) + "\n").stdout.splitlines()]
    assert [o["language"] for o in out] == [None, None, None, None]
    assert [o["intent"] for o in out][:3] == ["out_of_scope"] * 3
    assert out[3]["intent"] is None  # only an invisible character: a blank line


def test_one_line_out_even_for_unicode_line_separators() -> None:
    result = settlebot("parse", stdin="my rent\u2028is late\n")
    assert len(result.stdout.split("\n")) == 2  # one line and the final newline
    assert json.loads(result.stdout)["text"] == "my rent\u2028is late"


def test_a_reader_that_stops_early_is_not_an_error() -> None:
    result = subprocess.run(f"yes 'hello' | head -2000 | {SETTLEBOT} parse | head -1", shell=True,
                            capture_output=True, text=True, timeout=120, check=False)
    assert json.loads(result.stdout)["text"] == "hello"
    assert "Traceback" not in result.stderr


def test_a_broken_config_is_reported_with_what_to_fix(tmp_path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("settlebot:\n  nlu:\n    thresholds: {intent: high}\n", encoding="utf-8")
    result = settlebot("--config", str(config), "parse", stdin="hi\n")
    assert result.returncode == 1
    assert "thresholds.intent must be a number from 0.0 to 1.0" in result.stderr
    config.write_text("settlebot:\n  nlu:\n    engine: spacy\n", encoding="utf-8")
    unknown = settlebot("--config", str(config), "parse", stdin="hi\n").stderr
    assert "'spacy' is not available; choose one of builtin, rasa" in unknown
