"""`settlebot telegram` against a fake Bot API server on loopback, over real HTTP: whole
conversations with buttons in Ukrainian, Punjabi and Arabic (right to left)."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest
from sqlalchemy import func, select

from bot.config import PROJECT_ROOT
from bot.i18n import RLM, translations
from bot.knowledge.loader import load_knowledge_base
from bot.storage.database import open_database
from bot.storage.models import Contact, Message
from tests.conftest import SETTLEBOT, TEST_KEY
from tests.fake_telegram import FakeBotAPI

KB = load_knowledge_base(PROJECT_ROOT / "knowledge_base")[0]
PEOPLE = {  # chat id: (language, question, the entry that answers it)
    501: ("uk", "як подати заявку на MSP", "msp-enrolment"),
    502: ("pa", "ਮੈਨੂੰ family doctor ਚਾਹੀਦਾ", "family-doctor"),
    503: ("ar", "كيف أسجل في التأمين الصحي MSP", "msp-enrolment"),
}


@pytest.fixture
def telegram(database_url: str):
    api = FakeBotAPI().start()
    process = subprocess.Popen(
        [str(SETTLEBOT), "telegram"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TELEGRAM_BOT_TOKEN": "123456:test-token", "TELEGRAM_API_BASE": api.base,
             "SETTLEBOT_DATABASE_URL": database_url, "SETTLEBOT_SECRET_KEY": TEST_KEY})
    try:
        api.wait_for(lambda: any(m == "getUpdates" for m, _ in api.calls), timeout=90)
        yield api
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        api.stop()


def buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [button["callback_data"] for row in markup.get("inline_keyboard", []) for button in row]


def test_conversations_with_buttons_in_three_languages(telegram: FakeBotAPI) -> None:
    api = telegram
    for chat, (_language, question, _entry) in PEOPLE.items():
        api.user_says(chat, question)
    api.wait_for(lambda: all(api.sent(chat) for chat in PEOPLE))
    for chat, (language, _question, _entry) in PEOPLE.items():
        menu = api.sent(chat)[0]
        assert buttons(menu)[0] == f"lang:{language}"  # the guessed language first, as a button
        assert translations(language).gettext("Which language do you want me to use?") in menu["text"].replace(RLM, "")
        api.user_presses(chat, f"lang:{language}")
    api.wait_for(lambda: all(len(api.sent(chat)) >= 3 for chat in PEOPLE))
    for chat, (language, _question, entry_id) in PEOPLE.items():
        entry = KB.entries[entry_id]
        answer = api.sent(chat)[2]
        assert entry.text[language].title in answer["text"] and entry.source in answer["text"]
        assert buttons(answer)[:2] == [f"helpful:yes:{entry_id}", f"helpful:no:{entry_id}"]
        if language == "ar":  # right to left: every line starts with a right-to-left mark
            assert all(line.startswith(RLM) for line in answer["text"].split("\n") if line)
        api.user_presses(chat, f"helpful:yes:{entry_id}")
    api.wait_for(lambda: all(len(api.sent(chat)) >= 4 for chat in PEOPLE))
    for chat, (language, _question, _entry) in PEOPLE.items():
        glad = translations(language).gettext("Thank you! I am glad it helped.")
        assert glad in api.sent(chat)[3]["text"].replace(RLM, "")
    answered = sum(1 for m, _ in api.calls if m == "answerCallbackQuery")
    assert answered == 2 * len(PEOPLE)  # every button press is answered, so the button stops spinning


def test_the_bot_does_not_talk_to_newcomers_in_groups(telegram: FakeBotAPI) -> None:
    api = telegram
    api.user_says(-100200, "how do i apply for msp", chat_type="group")
    api.user_says(601, "hello")  # a private message after it: once it is answered, the group's was seen
    api.wait_for(lambda: api.sent(601))
    assert api.sent(-100200) == []


def test_long_replies_are_split_at_paragraphs_under_telegrams_limit() -> None:
    from bot.channels.telegram import MAX_TEXT, split_text

    paragraphs = [f"{n} " + "word " * 300 for n in range(12)]  # 12 paragraphs of about 1,500 characters
    pieces = split_text("\n".join(paragraphs))
    assert all(len(piece) <= MAX_TEXT for piece in pieces) and len(pieces) == 6
    assert "\n".join(pieces) == "\n".join(paragraphs)  # nothing lost, cut only between paragraphs
    assert all(piece.split("\n")[0] in paragraphs for piece in pieces)


def test_delete_through_telegram_erases_the_contact(telegram: FakeBotAPI, database_url: str) -> None:
    api = telegram
    api.user_says(701, "how do i apply for msp")
    api.wait_for(lambda: api.sent(701))
    api.user_presses(701, "lang:en")
    api.wait_for(lambda: len(api.sent(701)) >= 3)
    api.user_says(701, "/delete")
    api.wait_for(lambda: len(api.sent(701)) >= 4)
    assert buttons(api.sent(701)[3]) == ["erase:yes", "erase:no"]
    with open_database(database_url)() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 1
    api.user_presses(701, "erase:yes")
    api.wait_for(lambda: len(api.sent(701)) >= 5)
    assert "I erased everything" in api.sent(701)[4]["text"]
    with open_database(database_url)() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
        assert session.scalar(select(func.count()).select_from(Message)) == 0
