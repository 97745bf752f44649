"""`settlebot kb validate`: the shipped knowledge base is valid, and each kind of broken edit is
reported with its file, line and fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT
from bot.knowledge.loader import load_knowledge_base
from bot.languages import SUPPORTED
from tests.conftest import settlebot
from tests.servers import knowledge_base_with

SHIPPED = PROJECT_ROOT / "knowledge_base"


def _entry(entry_id: str = "msp-enrolment", topic: str = "healthcare", reviewed: str = "2026-11-01",
           services: str = "[maplebridge/health-navigation]", sms: str = "Apply for MSP when you arrive.") -> str:
    texts = "".join(
        f"      {lang}:\n        title: Title {lang}\n        answer: Answer {lang}.\n"
        f"        sms: \"{sms}\"\n        phrases: [msp, health card]\n" for lang in SUPPORTED)
    return (f"  - id: {entry_id}\n    topic: {topic}\n    source: https://www2.gov.bc.ca/gov/content/health\n"
            f"    last_reviewed: {reviewed}\n    services: {services}\n    text:\n{texts}")


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A small valid knowledge base: the shipped topics and agencies, one contact, one entry."""
    directory = tmp_path / "kb"
    (directory / "entries").mkdir(parents=True)
    for name in ("topics.yml", "agencies.yml"):
        shutil.copy(SHIPPED / name, directory / name)
    lines = "".join(f"      {lang}: \"Call 9-1-1.\"\n" for lang in SUPPORTED)
    (directory / "emergency.yml").write_text(
        "version: 1\ncontacts:\n  - id: \"911\"\n    number: \"9-1-1\"\n"
        "    source: https://www2.gov.bc.ca/gov/content/safety\n    last_reviewed: 2026-11-01\n"
        f"    text:\n{lines}", encoding="utf-8")
    (directory / "entries" / "health.yml").write_text("version: 1\nentries:\n" + _entry(), encoding="utf-8")
    return directory


def test_the_shipped_knowledge_base_is_valid() -> None:
    result = settlebot("kb", "validate")
    assert result.returncode == 0, result.stderr
    assert "OK:" in result.stdout
    kb, _ = load_knowledge_base(SHIPPED)
    for topic in ("housing", "language_classes", "jobs", "healthcare"):
        assert sum(e.topic == topic for e in kb.entries.values()) >= 6, topic
    assert all(s.email.endswith("example.org") for s in kb.services.values())  # sample agencies are fictional


def test_a_small_valid_knowledge_base_loads(kb: Path) -> None:
    loaded, warnings = load_knowledge_base(kb, today=__import__("datetime").date(2026, 11, 21))
    assert list(loaded.entries) == ["msp-enrolment"] and warnings == []


# (what the staff member did, the new text of entries/health.yml, the line named, words in the message)
HEAD = "version: 1\nentries:\n"
BROKEN = [
    ("an unclosed bracket", HEAD + _entry().replace("    topic: healthcare\n", "    topic: [healthcare\n"), 5,
     "flow sequence that starts on line 4"),
    ("an unknown topic", HEAD + _entry(topic="helthcare"), 4, "did you mean 'healthcare'"),
    ("a missing language", HEAD + _entry().replace("      pa:\n", "      pa_:\n"), 0, "no 'pa' text"),
    ("no English text", HEAD + _entry().replace("      en:\n", "      en_:\n"), 0, "no 'en' text"),
    ("an unknown partner service", HEAD + _entry(services="[maplebridge/dentists]"), 7, "unknown service"),
    ("a duplicate id", HEAD + _entry() + _entry(), 0, "is used twice"),
    ("a bad date", HEAD + _entry(reviewed="21/11/2026"), 6, "YYYY-MM-DD"),
    ("a bad web address", HEAD + _entry().replace("https://www2.gov.bc.ca/gov/content/health", "gov.bc.ca msp"),
     5, "starting with https://"),
    ("an SMS text over 300 characters", HEAD + _entry(sms="x" * 301), 0, "has 301 characters"),
    ("an id too long for a Telegram button", HEAD + _entry(entry_id="m" * 49), 3,
     "longer than 48 characters"),
]


@pytest.mark.parametrize(("mistake", "text", "line", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_edit_is_named_with_file_and_line(kb: Path, mistake: str, text: str, line: int,
                                                   words: str) -> None:
    path = kb / "entries" / "health.yml"
    path.write_text(text, encoding="utf-8")
    result = settlebot("kb", "validate", "--dir", str(kb))
    assert result.returncode == 1
    assert (f"{path}:{line}:" if line else f"{path}:") in result.stderr
    assert words in result.stderr and "fix:" in result.stderr


def test_an_entry_not_reviewed_for_a_year_is_a_warning_not_an_error(kb: Path) -> None:
    (kb / "entries" / "health.yml").write_text(HEAD + _entry(reviewed="2024-01-31"), encoding="utf-8")
    result = settlebot("kb", "validate", "--dir", str(kb))
    assert result.returncode == 0
    assert "warning: entry msp-enrolment was last reviewed on 2024-01-31" in result.stderr
    assert "1 warnings" in result.stdout


def test_parse_names_the_entry_a_message_is_about() -> None:
    asked = {
        "how do i apply for msp, we just arrived": "msp-enrolment",
        "necesito mi SIN para trabajar": "sin",
        "我想找家庭医生": "family-doctor",
        "зубний лікар дорого, що робити": "dental",
        "my boss didnt pay my overtime": "employment-standards",
        "got an eviction notice from my landlord": "eviction",
    }
    result = settlebot("parse", stdin="\n".join(asked) + "\nhello\n")
    out = [__import__("json").loads(line) for line in result.stdout.splitlines()]
    assert {o["text"]: o["entry"] for o in out[:-1]} == asked
    assert out[-1]["entry"] is None  # a greeting is about no entry


def test_the_trigram_index_finds_what_scoring_every_phrase_finds() -> None:
    """With hundreds of entries per topic the index narrows the phrases scored; the answers must
    not change. Entries are copied 40 times (ids -0 .. -39); a copy of the right entry is right."""
    import dataclasses

    from bot.knowledge.search import EntrySearch

    kb, _ = load_knowledge_base(SHIPPED)
    kb.entries = {f"{e.id}-{i}": dataclasses.replace(e, id=f"{e.id}-{i}")
                  for e in list(kb.entries.values()) for i in range(40)}
    indexed, every = EntrySearch(kb), EntrySearch(kb, candidates=10**9)
    asked = [("how do i apply for msp, we just arrived", "en", "healthcare"),
             ("necesito mi SIN para trabajar", "es", "jobs"),
             ("我想找家庭医生", "zh-Hans", "healthcare"),
             ("got an eviction notice from my landlord", "en", "housing"),
             ("зубний лікар дорого", "uk", "healthcare"),
             ("where to learn english online", "en", "language_classes"),
             ("ਮੈਨੂੰ LINC ਕਲਾਸ ਲਈ ਕੀ ਚਾਹੀਦਾ", "pa", "language_classes"),
             ("boss didnt pay me overtime", "en", "jobs")]
    for text, language, topic in asked:
        fast, slow = indexed.best(text, language, topic), every.best(text, language, topic)
        assert fast is not None and slow is not None, text
        assert fast.entry.rsplit("-", 1)[0] == slow.entry.rsplit("-", 1)[0], text
        assert fast.score == slow.score


def test_two_agencies_cannot_share_a_telegram_group(tmp_path: Path) -> None:
    """The group's buttons act for one agency: a second one's referrals there could never be answered."""
    directory = knowledge_base_with(tmp_path, telegram_chat=-100777)
    agencies = directory / "agencies.yml"
    text = agencies.read_text(encoding="utf-8")
    email = "    email: hello@maplebridge.example.org\n"
    assert email in text
    agencies.write_text(text.replace(email, email + "    telegram_chat: -100777\n"), encoding="utf-8")
    result = settlebot("kb", "validate", "--dir", str(directory))
    assert result.returncode == 1
    assert "telegram_chat -100777 is already harbourview's" in result.stderr and "fix:" in result.stderr
