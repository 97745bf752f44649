"""The Telegram channel against a fake Bot API server on loopback, over real HTTP: `settlebot
telegram` polling (conversations with buttons in Ukrainian, Punjabi and Arabic, right to left; the
command menus; a referral accepted in the agency's group and pushed to the newcomer; /delete), and
`settlebot serve` taking the same updates by webhook."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text

from bot.channels.telegram.notifiers import BotThread, NewcomerPush
from bot.channels.telegram.webhook import secret_token
from bot.config import PROJECT_ROOT, load_settings
from bot.dialogue import Dialogue
from bot.dialogue.news import News
from bot.i18n import RLM, translations
from bot.knowledge.loader import load_knowledge_base
from bot.referrals.outbox import OutboxWorker
from bot.referrals.records import change_status
from bot.storage.database import open_database
from bot.storage.models import Contact, Message, Referral, ReferralEvent
from bot.storage.secrets import SecretBox
from tests.conftest import SETTLEBOT, TEST_KEY, settlebot
from tests.fake_telegram import BOT, FakeBotAPI, wait_for_webhook
from tests.people import KEY, Person
from tests.servers import MailBox, Serve, knowledge_base_with, write_config
from tests.test_referrals import FAST, refer

KB = load_knowledge_base(PROJECT_ROOT / "knowledge_base")[0]
PEOPLE = {  # chat id: (language, question, the entry that answers it)
    501: ("uk", "як подати заявку на MSP", "msp-enrolment"),
    502: ("pa", "ਮੈਨੂੰ family doctor ਚਾਹੀਦਾ", "family-doctor"),
    503: ("ar", "كيف أسجل في التأمين الصحي MSP", "msp-enrolment"),
}


AGENCY_GROUP = -1001500
AGENCY_MEMBER, STRANGER = 4242, 9999


def agency_group_config(tmp_path: Path) -> Path:
    """config.yml with a copy of the knowledge base where Harbourview takes referrals in a Telegram group."""
    return write_config(tmp_path, knowledge_base=knowledge_base_with(tmp_path, telegram_chat=AGENCY_GROUP))


def telegram_env(api: FakeBotAPI, database_url: str) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": "123456:test-token", "TELEGRAM_API_BASE": api.base,
            "SETTLEBOT_DATABASE_URL": database_url, "SETTLEBOT_SECRET_KEY": TEST_KEY}


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    fake = FakeBotAPI().start()
    yield fake
    fake.stop()


@pytest.fixture
def telegram(api: FakeBotAPI, database_url: str, tmp_path: Path) -> Iterator[FakeBotAPI]:
    """`settlebot telegram` (polling) against the fake, with Harbourview's group set up."""
    env = {**telegram_env(api, database_url), "SETTLEBOT_CONFIG": str(agency_group_config(tmp_path))}
    process = subprocess.Popen([str(SETTLEBOT), "telegram"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, **env})
    try:
        api.wait_for(lambda: api.called("getUpdates"), timeout=90)
        yield api
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


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
    from bot.channels.telegram.render import MAX_TEXT, split_text

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
    api.user_says(701, "/privacy")  # says that the chat's address is kept, encrypted, to push news
    api.wait_for(lambda: len(api.sent(701)) >= 4)
    assert "I keep how to reach you here, encrypted" in api.sent(701)[3]["text"]
    api.user_says(701, "/delete")
    api.wait_for(lambda: len(api.sent(701)) >= 5)
    assert buttons(api.sent(701)[4]) == ["erase:yes", "erase:no"]
    with open_database(database_url)() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 1
    api.user_presses(701, "erase:yes")
    api.wait_for(lambda: len(api.sent(701)) >= 6)
    assert "I erased everything" in api.sent(701)[5]["text"]
    with open_database(database_url)() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_the_command_menu_is_set_in_every_language(telegram: FakeBotAPI) -> None:
    calls = telegram.called("setMyCommands")
    menus = {c.get("language_code"): c["commands"] for c in calls if c["scope"]["type"] == "all_private_chats"}
    assert set(menus) == {None, "en", "fr", "es", "tl", "zh", "ko", "vi", "pa", "ar", "fa", "uk"}
    [groups] = [c["commands"] for c in calls if c["scope"]["type"] == "all_group_chats"]
    assert [c["command"] for c in groups] == ["start"]  # in groups the bot only serves agencies
    assert [c["command"] for c in menus[None]] == ["start", "help", "language", "menu", "privacy", "mydata", "delete"]
    arabic = {c["command"]: c["description"] for c in menus["ar"]}
    assert arabic["delete"] == translations("ar").gettext("Erase what I keep about you")


def test_the_apps_language_is_a_first_guess_only(telegram: FakeBotAPI) -> None:
    api = telegram
    api.user_says(801, "hi", language_code="uk")  # "hi" says nothing; the app is set to Ukrainian
    api.wait_for(lambda: api.sent(801))
    menu = api.sent(801)[0]
    assert buttons(menu)[0] == "lang:uk"
    assert translations("uk").gettext("Which language do you want me to use?") in menu["text"]
    assert "I think you wrote" not in menu["text"]  # nobody wrote Ukrainian: no claim that they did


def test_a_photo_gets_the_menu_of_what_the_bot_can_do(telegram: FakeBotAPI) -> None:
    api = telegram
    api.user_says(811, "hello")
    api.wait_for(lambda: api.sent(811))
    api.user_presses(811, "lang:en")  # "OK, English", then the topic menu
    api.wait_for(lambda: len(api.sent(811)) == 3)
    api.user_sends_photo(811)  # the bot reads only text: it says what it can answer, not nothing
    api.wait_for(lambda: len(api.sent(811)) == 4)
    assert "I can answer questions about" in api.sent(811)[-1]["text"]
    assert buttons(api.sent(811)[-1])[0].startswith("topic:")


def _handoff_in_arabic(api: FakeBotAPI, chat: int) -> str:
    """An Arabic speaker asks for a person about housing and agrees; the reference code."""
    steps = [("says", "أريد التحدث مع موظف عن السكن"), ("presses", "lang:ar"), ("presses", "consent:yes"),
             ("says", "Amira"), ("presses", "reach:chat"), ("says", "نحتاج شقة قبل نهاية الشهر")]
    for kind, what in steps:
        before = len(api.sent(chat))
        if kind == "says":
            api.user_says(chat, what, language_code="ar")
        else:
            api.user_presses(chat, what)
        api.wait_for(lambda before=before: len(api.sent(chat)) > before)
    api.wait_for(lambda: re.search(r"SB-\w{6}", api.sent(chat)[-1]["text"]))
    return re.search(r"SB-\w{6}", api.sent(chat)[-1]["text"]).group()


def test_a_referral_in_the_agency_group_and_the_news_pushed_to_the_newcomer(telegram: FakeBotAPI,
                                                                            database_url: str) -> None:
    api, newcomer = telegram, 987654321012345  # long enough not to turn up by chance in a hash or a date
    api.members[AGENCY_GROUP] = {AGENCY_MEMBER}
    code = _handoff_in_arabic(api, newcomer)
    # The worker in the same process posts the referral to Harbourview's group, in English, with buttons.
    api.wait_for(lambda: api.sent(AGENCY_GROUP))
    [posted] = api.sent(AGENCY_GROUP)
    assert code in posted["text"] and "Amira" in posted["text"] and "نحتاج شقة قبل نهاية الشهر" in posted["text"]
    assert buttons(posted) == [f"agency:{action}:{code}" for action in ("acknowledge", "accept", "decline")]
    assert "/agency/r/" not in posted["text"]  # no keyed link: in a public group anyone could use it
    message = {"message_id": 77, "date": 0, "text": posted["text"], "from": BOT,
               "chat": {"id": AGENCY_GROUP, "type": "supergroup", "title": "Harbourview intake"}}
    # Someone outside the group (a public group can be read by anyone) cannot accept it.
    api.user_presses(STRANGER, f"agency:accept:{code}", chat_id=AGENCY_GROUP, message=message)
    api.wait_for(lambda: any(c.get("show_alert") for c in api.called("answerCallbackQuery")))
    refusal = [c for c in api.called("answerCallbackQuery") if c.get("show_alert")][-1]
    assert refusal["text"] == "Only members of this group can act on its referrals."
    # A member acknowledges, then accepts: the message shows who did what; the buttons left shrink.
    api.user_presses(AGENCY_MEMBER, f"agency:acknowledge:{code}", chat_id=AGENCY_GROUP, message=message)
    api.wait_for(lambda: api.called("editMessageText"))
    assert buttons(api.called("editMessageText")[0]) == [f"agency:accept:{code}", f"agency:decline:{code}"]
    pushed_before = len(api.sent(newcomer))
    api.user_presses(AGENCY_MEMBER, f"agency:accept:{code}", chat_id=AGENCY_GROUP, message=message)
    api.wait_for(lambda: len(api.called("editMessageText")) >= 2)
    accepted = api.called("editMessageText")[1]
    assert f"Accepted by U{AGENCY_MEMBER}" in accepted["text"] and buttons(accepted) == []
    # The newcomer hears at once, in Arabic, without writing anything.
    api.wait_for(lambda: len(api.sent(newcomer)) > pushed_before)
    news = api.sent(newcomer)[-1]["text"].replace(RLM, "")
    assert code in news and "Harbourview" in news
    assert translations("ar").gettext("Good news: {agency} accepted your request {code}. Please contact them and "
                                      "give them this code.").split("{")[0].strip() in news
    with open_database(database_url)() as session:
        referral = session.scalars(select(Referral).where(Referral.code == code)).one()
        assert referral.status == "accepted"
        actors = session.execute(select(ReferralEvent.actor, ReferralEvent.status)
                                 .where(ReferralEvent.referral_id == referral.id).order_by(ReferralEvent.id)).all()
        assert [tuple(a) for a in actors] == [("newcomer", "sent"), ("agency:harbourview", "acknowledged"),
                                              ("agency:harbourview", "accepted")]
        # The chat id is kept only sealed, to push to: no table holds it in the clear.
        for table in ("contacts", "messages", "referrals", "outbox"):
            rows = session.execute(text(f"SELECT * FROM {table}")).all()
            assert str(newcomer) not in repr(rows).replace(f"U{AGENCY_MEMBER}", "")


# Webhook mode: `settlebot serve` takes the updates ----------------------------------------------


@pytest.fixture
def served(api: FakeBotAPI, database_url: str) -> Iterator[tuple[FakeBotAPI, str]]:
    serve = Serve(telegram_env(api, database_url), timeout=120)
    try:
        wait_for_webhook(serve.url, secret_token(TEST_KEY.encode()))
        yield api, serve.url
    finally:
        serve.stop()


def _post(url: str, update: dict, secret: str | None = None) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token(TEST_KEY.encode()) if secret is None else secret}
    return httpx.post(f"{url}/telegram/webhook", json=update, headers=headers, timeout=60)


def test_the_webhook_refuses_a_wrong_secret_and_answers_a_redelivery_once(served) -> None:
    api, url = served
    update = api.message_update(1001, "how do i apply for msp")
    assert _post(url, update, secret="guess").status_code == 403
    assert _post(url, update, secret="").status_code == 403
    assert api.sent(1001) == []  # nothing handled
    assert _post(url, {"not": "an update"}).status_code == 400
    assert _post(url, update).status_code == 200
    assert _post(url, update).status_code == 200  # Telegram retrying: handled once
    assert len(api.sent(1001)) == 1 and buttons(api.sent(1001)[0])[0] == "lang:en"


def test_a_reply_telegram_fails_to_take_is_sent_again_by_the_outbox(served) -> None:
    api, url = served
    api.failing[1101] = 1  # Telegram answers 500 to the first reply
    assert _post(url, api.message_update(1101, "how do i apply for msp")).status_code == 200  # handled
    api.wait_for(lambda: api.sent(1101), timeout=30)  # the worker in serve sends it
    assert len(api.sent(1101)) == 1 and buttons(api.sent(1101)[0])[0] == "lang:en"
    assert api.called("sendMessage (failed)")


def test_two_hundred_updates_at_once_get_one_reply_each(served) -> None:
    api, url = served
    updates = [api.message_update(2000 + n, "how do i apply for msp") for n in range(200)]

    async def post_all() -> list[int]:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token(TEST_KEY.encode())}
        async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=200)) as client:
            responses = await asyncio.gather(*(client.post(f"{url}/telegram/webhook", json=u, headers=headers)
                                               for u in updates))
        return [r.status_code for r in responses]

    assert asyncio.run(post_all()) == [200] * 200
    replies = [len(api.sent(2000 + n)) for n in range(200)]
    assert replies == [1] * 200


def test_set_webhook_points_telegram_at_serve(api: FakeBotAPI, database_url: str) -> None:
    env = {**telegram_env(api, database_url), "SETTLEBOT_PUBLIC_URL": "https://bot.lip.example.org"}
    result = settlebot("telegram", "set-webhook", env=env)
    assert result.returncode == 0, result.stderr
    [call] = api.called("setWebhook")
    assert call["url"] == "https://bot.lip.example.org/telegram/webhook"
    assert call["secret_token"] == secret_token(TEST_KEY.encode())  # what serve checks
    assert len(api.called("setMyCommands")) == 13  # 12 languages' private menus, and the groups' one
    assert "https://bot.lip.example.org/telegram/webhook" in result.stdout


def test_news_for_someone_who_blocked_the_bot_waits_for_their_next_message(
        api: FakeBotAPI, dialogue: Dialogue, sessions, kb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:test-token")
    monkeypatch.setenv("TELEGRAM_API_BASE", api.base)
    person = Person(dialogue, sender="515151515151", channel="telegram").with_language("en")
    code = refer(person, phone=None)
    with sessions.begin() as session:
        change_status(session.connection(), code, None, "accepted", "staff")
    box = SecretBox(KEY)
    client = BotThread(load_settings())
    outbox = OutboxWorker(sessions, box, [NewcomerPush(client, News(lambda: kb, sessions, box))], FAST)
    api.blocked.add(515151515151)  # Telegram: "Forbidden: bot was blocked by the user"
    assert outbox.run_once() == 0
    client.close()
    with sessions() as session:
        assert session.scalars(select(Contact.address)).one() is None  # forgotten: no more tries to write
    assert api.sent(515151515151) == []
    api.blocked.clear()
    replies = person.says("hello again")  # unblocked and writing: the news comes first
    assert code in replies[0].text and "accepted your request" in replies[0].text
    with sessions() as session:
        assert session.scalars(select(Contact.address)).one() is not None  # reachable again


def test_a_test_notification_reaches_the_agency_group(api: FakeBotAPI, database_url: str, tmp_path: Path,
                                                      mailbox: MailBox) -> None:
    env = {**telegram_env(api, database_url), "SMTP_URL": mailbox.url,
           "SETTLEBOT_CONFIG": str(agency_group_config(tmp_path))}
    result = settlebot("agencies", "test-notify", "harbourview", env=env)
    assert result.returncode == 0, result.stderr
    assert f"Telegram group {AGENCY_GROUP}" in result.stdout
    [posted] = api.sent(AGENCY_GROUP)
    assert posted["text"] == "This group receives the referrals for Harbourview Newcomer Centre (fictional sample)."
