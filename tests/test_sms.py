"""The SMS channel through `settlebot serve`: requests signed exactly as Twilio signs them, posted
over HTTP to /sms/twilio, answered with TwiML."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.channels.sms.segments import segments
from bot.i18n import RLM, translations
from bot.storage.database import open_database
from bot.storage.models import Message
from tests.conftest import TEST_KEY
from tests.servers import Serve

AUTH_TOKEN = "twilio-test-auth-token"
BOT_NUMBER = "+16045550100"
SIDS = (f"SM{n:032x}" for n in itertools.count(1))


@pytest.fixture
def sms(database_url: str) -> Iterator[str]:
    serve = Serve({"SETTLEBOT_DATABASE_URL": database_url, "SETTLEBOT_SECRET_KEY": TEST_KEY,
                   "TWILIO_AUTH_TOKEN": AUTH_TOKEN}, timeout=120)
    try:
        yield serve.url
    finally:
        serve.stop()


def post(url: str, sender: str, body: str, sid: str | None = None, token: str = AUTH_TOKEN,
         **more: str) -> httpx.Response:
    """A message as Twilio posts it, signed with `token` over the public URL and the parameters."""
    params = {"MessageSid": sid or next(SIDS), "AccountSid": "AC" + "0" * 32, "From": sender, "To": BOT_NUMBER,
              "Body": body, "NumMedia": "0", **more}
    signature = RequestValidator(token).compute_signature(f"{url}/sms/twilio", params)
    return httpx.post(f"{url}/sms/twilio", data=params, headers={"X-Twilio-Signature": signature}, timeout=60)


def answer(response: httpx.Response) -> str:
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/xml")
    message = ElementTree.fromstring(response.text).find("Message")
    return "" if message is None else message.text


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
