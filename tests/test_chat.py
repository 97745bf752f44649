"""Whole conversations through `settlebot chat`, as subprocesses, in English, Simplified Chinese,
Punjabi, Arabic and Ukrainian: the language confirmed, a question answered from the right entry
with its source, feedback stored, an emergency interrupting a menu, two fallbacks leading to the
offer of a person, a switch of language, and the conversation carried on by a second process."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select

from bot.config import PROJECT_ROOT
from bot.i18n import RLM, language_name, translations
from bot.knowledge.loader import load_knowledge_base
from bot.storage.database import open_database
from bot.storage.models import Contact, Feedback, UnansweredQuestion
from tests.conftest import SETTLEBOT, TEST_KEY, settlebot

KB = load_knowledge_base(PROJECT_ROOT / "knowledge_base")[0]


@dataclass(frozen=True)
class Script:
    language: str
    question: str  # answered by `entry` after the language is confirmed
    entry: str
    emergency: str
    off_topic: tuple[str, str]  # two messages the bot cannot answer
    switch_to: str  # the language chosen from the menu mid-conversation
    then_ask: str  # answered by `then_entry`, in the new language
    then_entry: str


SCRIPTS = [
    Script("en", "how do i apply for msp", "msp-enrolment", "my husband hits me and i am scared",
           ("who won the hockey game", "what is the weather tomorrow"), "fr",
           "comment trouver un médecin de famille", "family-doctor"),
    Script("zh-Hans", "我想找家庭医生", "family-doctor", "我不想活了", ("谁赢了足球比赛", "明天天气怎么样"), "en",
           "where can i find a dentist", "dental"),
    Script("pa", "ਮੈਨੂੰ family doctor ਚਾਹੀਦਾ", "family-doctor", "ਮੇਰਾ ਪਤੀ ਮੈਨੂੰ ਮਾਰਦਾ ਹੈ",
           ("ਕੱਲ੍ਹ ਮੌਸਮ ਕਿਵੇਂ ਰਹੇਗਾ", "ਕ੍ਰਿਕਟ ਮੈਚ ਕੌਣ ਜਿੱਤਿਆ"), "en", "how do i apply for msp", "msp-enrolment"),
    Script("ar", "كيف أسجل في التأمين الصحي MSP", "msp-enrolment", "زوجي يضربني", ("ما هو الطقس غدا", "احكي لي نكتة"),
           "fa", "دکتر خانواده پیدا کنم؟ چطوری ثبت نام کنم", "family-doctor"),
    Script("uk", "як подати заявку на MSP", "msp-enrolment", "я хочу вбити себе",
           ("яка завтра погода у Ванкувері", "розкажи анекдот"), "en", "where can i find a dentist", "dental"),
]


def _chat(database_url: str, contact: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SETTLEBOT), "chat", "--contact", contact], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env={"PATH": "/usr/bin:/bin", "SETTLEBOT_DATABASE_URL": database_url, "SETTLEBOT_SECRET_KEY": TEST_KEY})


def _turns(output: str) -> list[str]:
    """The bot's replies to each message, in order (the transcript echoes each message after '> ')."""
    return [turn.split("\n", 1)[1] if "\n" in turn else "" for turn in output.split("\n> ")[1:]] if output else []


def _run_all(processes: list[tuple[subprocess.Popen[str], list[str]]]) -> list[list[str]]:
    """Feed every process its script at once (they start in parallel) and collect their turns."""
    def finish(item: tuple[subprocess.Popen[str], list[str]]) -> list[str]:
        process, lines = item
        out, err = process.communicate("\n".join(lines) + "\n", timeout=180)
        assert process.returncode == 0, err
        return _turns("\n" + out)

    with ThreadPoolExecutor(len(processes)) as pool:
        return list(pool.map(finish, processes))


def _(reader: str, message: str, **values: str) -> str:
    """`message` as the bot writes it in the reader's language."""
    return translations(reader).gettext(message).format(**values).replace(RLM, "")


def _plain(text: str) -> str:
    return text.replace(RLM, "").replace("\u200e", "")


def _menu_number(turn: str, label: str) -> str:
    for line in turn.splitlines():
        number, _, shown = line.strip().partition(". ")
        if _plain(shown) == label:
            return number
    raise AssertionError(f"{label!r} is not in the menu:\n{turn}")


def test_whole_conversations_in_five_languages(database_url: str) -> None:
    """Five people, one per language, writing at the same time to one database; each conversation
    is carried on by a second process, as after a restart."""
    open_database(database_url)  # migrated once, as a deployment does before starting its processes
    first = [[s.question, "1", "1", "/menu", s.emergency, "2", *s.off_topic, "/language"] for s in SCRIPTS]
    turns = _run_all([(_chat(database_url, f"person-{s.language}"), lines) for s, lines in zip(SCRIPTS, first,
                                                                                                strict=True)])
    for script, said in zip(SCRIPTS, turns, strict=True):
        _check_first_part(script, said)
    # The language menu is on offer when the first process ends: the second one picks from it.
    second = [[_menu_number(said[-1], language_name(s.switch_to, menu=True)), s.then_ask]
              for s, said in zip(SCRIPTS, turns, strict=True)]
    later = _run_all([(_chat(database_url, f"person-{s.language}"), lines) for s, lines in zip(SCRIPTS, second,
                                                                                                strict=True)])
    for script, said in zip(SCRIPTS, later, strict=True):
        new = script.switch_to
        assert _(new, "OK. I will write to you in {language}.", language=language_name(new)) in _plain(said[0])
        entry = KB.entries[script.then_entry]
        assert entry.text[new].title in said[1] and entry.source in said[1], said[1]
    with open_database(database_url)() as session:
        languages = sorted(c.language for c in session.scalars(select(Contact)))
        feedback = sorted((f.entry_id, f.helpful) for f in session.scalars(select(Feedback)))
        unanswered = set(session.scalars(select(UnansweredQuestion.text)))
    assert languages == sorted(s.switch_to for s in SCRIPTS)  # five people, each in their new language
    assert feedback == sorted((s.entry, True) for s in SCRIPTS)  # one vote each
    assert unanswered == {q for s in SCRIPTS for q in s.off_topic}


def _check_first_part(script: Script, said: list[str]) -> None:
    lang = script.language
    asked, confirmed, thanked, menu, crisis, topic, fallback, offer, languages = said
    # The language menu comes in the guessed language, that language first, named in its own script.
    assert _(lang, "Which language do you want me to use?") in _plain(asked)
    assert _plain(asked.split("\n  1. ")[1].split("\n")[0]) == language_name(lang, menu=True)
    # "1" confirms it, and the waiting question is answered from the right entry, with its source.
    entry = KB.entries[script.entry]
    assert _(lang, "OK. I will write to you in {language}.", language=language_name(lang)) in _plain(confirmed)
    assert entry.text[lang].title in confirmed and entry.source in confirmed
    assert _(lang, "Was this helpful?") in _plain(confirmed)
    assert _(lang, "Thank you! I am glad it helped.") in _plain(thanked)
    # An emergency while the topic menu is open: crisis lines first, and the menu still answers.
    assert "9-1-1" in crisis and _(lang, "Your safety comes first. Please get help now:") in _plain(crisis)
    assert KB.topics["language_classes"][lang] in _plain(topic)
    # Two messages the bot cannot answer: other words asked for, then a person offered.
    assert _(lang, "Sorry, I did not understand. Could you say it another way? For example: "
                   "\u201cI need a family doctor.\u201d") in _plain(fallback)
    assert _(lang, "Would you like a person from a partner agency to help you?") in _plain(offer)
    assert KB.topics["housing"][lang] in _plain(menu) and language_name("uk", menu=True) in languages


def test_a_deployment_without_a_secret_key_is_refused_with_the_fix(tmp_path) -> None:
    env = {"SETTLEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "SETTLEBOT_SECRET_KEY": ""}
    result = settlebot("chat", stdin="hello\n", env=env)
    assert result.returncode == 1 and "SETTLEBOT_SECRET_KEY is not set" in result.stderr
    assert "secrets.token_hex(32)" in result.stderr and not result.stdout
    short = settlebot("chat", stdin="hello\n", env={**env, "SETTLEBOT_SECRET_KEY": "short"})
    assert short.returncode == 1 and "at least 32 characters" in short.stderr


def test_the_same_person_on_another_key_is_a_stranger(tmp_path) -> None:
    """The key is what links a phone number to its row: keep it, or people start over."""
    env = {"SETTLEBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "SETTLEBOT_SECRET_KEY": TEST_KEY}
    settlebot("chat", "--contact", "+16045550123", stdin="hello\n1\n", env=env)
    same = settlebot("chat", "--contact", "+16045550123", stdin="/menu\n", env=env)
    other = settlebot("chat", "--contact", "+16045550123", stdin="/menu\n",
                      env={**env, "SETTLEBOT_SECRET_KEY": "another-key-" + "1" * 32})
    assert "Which language" not in same.stdout and "Housing" in same.stdout
    assert "Which language do you want me to use?" in other.stdout
