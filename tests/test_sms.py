"""The SMS channel through `settlebot serve`: requests signed exactly as Twilio signs them, posted
over HTTP to /sms/twilio, answered with TwiML; and the generic gateway's signed JSON at /sms/generic."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from bot.channels.sms.segments import segments
from bot.i18n import RLM, translations
from bot.referrals.signing import signature
from bot.storage.database import open_database
from bot.storage.models import Message
from tests.conftest import TEST_KEY
from tests.fake_twilio import AUTH_TOKEN, BOT_NUMBER, answer, post
from tests.servers import Serve


@pytest.fixture
def sms(database_url: str) -> Iterator[str]:
    with Serve({"SETTLEBOT_DATABASE_URL": database_url, "SETTLEBOT_SECRET_KEY": TEST_KEY,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN}, timeout=120) as serve:
        yield serve.url


def test_a_conversation_in_english_by_menu_numbers(sms: str) -> None:
    menu = answer(post(sms, "+16045550111", "how do i apply for msp"))
    assert menu == ("Which language do you want me to use?\n1. English\n2. Another language\n"
                    "Please reply with a number from 1 to 2.")  # two names, not twelve: one segment
    reply = answer(post(sms, "+16045550111", "1"))
    assert "OK. I will write to you in English." in reply and "MSP" in reply and segments(reply) <= 3


def test_a_conversation_in_arabic(sms: str) -> None:
    menu = answer(post(sms, "+16045550112", "كيف أسجل في التأمين الصحي MSP"))
    assert "1. العربية" in menu.replace(RLM, "") and segments(menu) <= 3
    every = answer(post(sms, "+16045550112", "2"))  # another language: all twelve
    assert "12. Українська" in every.replace(RLM, "") and segments(every) <= 3
    reply = answer(post(sms, "+16045550112", "١٠"))  # Arabic-Indic digits pick from the menu too
    assert translations("ar").gettext("OK. I will write to you in {language}.").split("{")[0] in reply.replace(RLM, "")
    assert segments(reply) <= 3


def test_a_bad_signature_gets_403_and_changes_nothing(sms: str, database_url: str) -> None:
    assert post(sms, "+16045550113", "hello", token="someone else's token").status_code == 403
    assert httpx.post(f"{sms}/sms/twilio", data={"From": "+16045550113", "Body": "hello"}).status_code == 403
    with open_database(database_url)() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_repeated_message_sid_gets_the_same_answer_once_processed(sms: str, database_url: str) -> None:
    first = answer(post(sms, "+16045550114", "how do i apply for msp", sid="SM" + "a" * 32))
    again = answer(post(sms, "+16045550114", "how do i apply for msp", sid="SM" + "a" * 32))
    assert again == first and first
    with open_database(database_url)() as session:
        inbound = session.scalar(select(func.count()).select_from(Message).where(Message.inbound.is_(True)))
    assert inbound == 1


@pytest.mark.parametrize(("what", "body", "more"), [
    ("a body of 1,600 characters", "how do i apply for msp " * 69 + "msp", {}),
    ("an empty body", "", {}),
    ("a picture and no text", "", {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/media/ME1",
                                   "MediaContentType0": "image/jpeg"}),
])
def test_unusual_messages_get_a_short_answer(sms: str, what: str, body: str, more: dict[str, str]) -> None:
    reply = answer(post(sms, f"+1604555{len(body):04d}", body, **more))
    assert reply and segments(reply) <= 3
    assert re.search(r"Which language|I can answer", reply)


def test_stop_then_silence_then_start(sms: str, database_url: str) -> None:
    number = "+16045550115"
    answer(post(sms, number, "how do i apply for msp"))
    answer(post(sms, number, "1"))
    assert answer(post(sms, number, "Stop")) == ""  # the carrier confirms; nothing of ours follows
    assert answer(post(sms, number, "how do i find a family doctor")) == ""  # silence until START
    welcome = answer(post(sms, number, "START"))
    assert "I can answer questions about" in welcome
    assert "doctor" in answer(post(sms, number, "how do i find a family doctor")).casefold()
    with open_database(database_url)() as session:
        intents = session.scalars(select(Message.intent).where(Message.inbound.is_(True))
                                  .order_by(Message.id)).all()
    assert intents[2] == "keyword:stop" and intents[4] == "keyword:start"  # each is logged


def test_stop_in_the_newcomers_language_and_help_in_two(sms: str) -> None:
    assert answer(post(sms, "+16045550116", "Arrêt")) == ""  # French, capital or not, accent or not
    assert answer(post(sms, "+16045550116", "bonjour")) == ""
    help_en = answer(post(sms, "+16045550117", "HELP"))
    assert "Write your question in your own words" in help_en and segments(help_en) <= 3
    help_fr = answer(post(sms, "+16045550118", "aide"))
    french = translations("fr").gettext("Write your question in your own words, for example: "
                                        "\u201cHow do I find a family doctor?\u201d").split(",")[0]
    assert french.split()[0] in help_fr and segments(help_fr) <= 3


def test_after_stop_an_emergency_still_gets_the_crisis_lines(sms: str) -> None:
    number = "+16045550119"
    answer(post(sms, number, "STOP"))
    crisis = answer(post(sms, number, "I want to kill myself"))
    assert "911" in crisis.replace("-", "") or "9-1-1" in crisis


# The generic gateway: the same dialogue behind signed JSON ----------------------------------------

GATEWAY_SECRET = "gateway-test-secret"


@pytest.fixture
def gateway(database_url: str) -> Iterator[str]:
    with Serve({"SETTLEBOT_DATABASE_URL": database_url, "SETTLEBOT_SECRET_KEY": TEST_KEY,
                "SMS_GATEWAY_SECRET": GATEWAY_SECRET}, timeout=120) as serve:
        yield serve.url


def gateway_post(url: str, message: dict, secret: str = GATEWAY_SECRET, timestamp: int | None = None,
                 body: bytes | None = None) -> httpx.Response:
    body = json.dumps(message).encode() if body is None else body
    return httpx.post(f"{url}/sms/generic", content=body, timeout=60,
                      headers={"Content-Type": "application/json",
                               "X-Settlebot-Signature": signature(secret, body, timestamp)})


def test_the_generic_gateway_holds_a_conversation(gateway: str, database_url: str) -> None:
    sender = "+16045550301"
    first = gateway_post(gateway, {"id": "g-1", "from": sender, "to": BOT_NUMBER, "text": "كيف أسجل في MSP"})
    assert first.status_code == 200
    menu = first.json()
    assert menu["to"] == sender and "1. العربية" in menu["text"].replace(RLM, "")
    assert menu["segments"] == segments(menu["text"]) <= 3
    again = gateway_post(gateway, {"id": "g-1", "from": sender, "to": BOT_NUMBER, "text": "كيف أسجل في MSP"})
    assert again.json() == menu  # a repeated id: the same answer, one turn
    chosen = gateway_post(gateway, {"id": "g-2", "from": sender, "to": BOT_NUMBER, "text": "1"}).json()
    assert translations("ar").gettext("OK. I will write to you in {language}.").split("{")[0] in \
        chosen["text"].replace(RLM, "")
    assert gateway_post(gateway, {"id": "g-3", "from": sender, "to": BOT_NUMBER, "text": "STOP"}).json()["text"] == ""
    with open_database(database_url)() as session:
        inbound = session.scalar(select(func.count()).select_from(Message).where(Message.inbound.is_(True)))
    assert inbound == 3


def test_the_generic_gateway_refuses_what_it_cannot_trust(gateway: str, database_url: str) -> None:
    message = {"id": "g-9", "from": "+16045550302", "to": BOT_NUMBER, "text": "hello"}
    assert gateway_post(gateway, message, secret="not the secret").status_code == 403
    assert gateway_post(gateway, message, timestamp=int(time.time()) - 3600).status_code == 403  # replayed later
    assert httpx.post(f"{gateway}/sms/generic", json=message).status_code == 403  # unsigned
    not_json = gateway_post(gateway, {}, body=b"id=1&from=2")
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]
    missing = gateway_post(gateway, {"id": "g-10", "text": "hello"})
    assert missing.status_code == 400 and '"from"' in missing.json()["error"]
    with open_database(database_url)() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_the_crisis_lines_are_never_cut(sms: str) -> None:
    from bot.config import PROJECT_ROOT
    from bot.knowledge.loader import load_knowledge_base

    number = "+16045550120"
    answer(post(sms, number, "مرحبا"))
    answer(post(sms, number, "1"))  # Arabic
    crisis = answer(post(sms, number, "أريد أن أقتل نفسي"))
    assert segments(crisis) > 3  # more than a reply may take, and still whole
    contacts = load_knowledge_base(PROJECT_ROOT / "knowledge_base")[0].emergency
    assert all(contact.number in crisis for contact in contacts)
