"""Whole SMS conversations through `settlebot serve`, signed as Twilio signs them: menus by number,
MORE for what did not fit, a language switch, a referral with consent; and the agency's answer
pushed back by SMS through a fake of Twilio's REST API that fails once, with its status callback."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot.channels.sms.segments import PLAIN, segments
from bot.dialogue.keywords import more_word
from bot.dialogue.replies import more_prompt
from bot.i18n import RLM, language_name, translations
from bot.languages import SUPPORTED
from bot.storage.database import open_database
from bot.storage.models import Contact, OutboxMessage, Referral, SentMessage
from tests.conftest import TEST_KEY, settlebot
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, BOT_NUMBER, FakeTwilio, answer, post, signed
from tests.servers import Serve, write_config

MAX_SEGMENTS = 3


@dataclass
class Served:
    url: str
    twilio: FakeTwilio
    env: dict[str, str]


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    twilio = FakeTwilio().start()
    env = {"SETTLEBOT_DATABASE_URL": database_url, "SETTLEBOT_SECRET_KEY": TEST_KEY,
           "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_API_BASE": twilio.url,
           "SETTLEBOT_CONFIG": str(write_config(tmp_path, retry_first_seconds="1"))}
    serve = Serve(env, timeout=120)
    try:
        yield Served(serve.url, twilio, {**env, "SETTLEBOT_PUBLIC_URL": serve.url})
    finally:
        serve.stop()
        twilio.stop()


def _(language: str, sentence: str) -> str:
    """A sentence as the bot writes it in `language`, up to its first placeholder, as `seen`."""
    return seen(translations(language).gettext(sentence).split("{")[0].strip())


def seen(text: str) -> str:
    """What a reader sees, for comparing: direction marks aside, punctuation as plain as an SMS makes it."""
    return text.replace(RLM, "").replace("\u200e", "").translate(PLAIN)


@dataclass
class Phone:
    """A newcomer's phone: each answer is checked to fit in three segments, and read to the end
    with MORE (in the language it asks for it in) whenever it was cut."""

    url: str
    number: str
    language: str
    mores: int = 0
    read: list[str] = field(default_factory=list)

    def says(self, text: str) -> str:
        pieces = [answer(post(self.url, self.number, text))]
        while True:
            assert segments(pieces[-1]) <= MAX_SEGMENTS, pieces[-1]
            asked = next((lang for lang in SUPPORTED if seen(more_prompt(lang)) in seen(pieces[-1])), None)
            if asked is None:
                break
            self.mores += 1
            pieces.append(answer(post(self.url, self.number, more_word(asked))))
        self.read += pieces
        return seen("\n".join(pieces))


def sms_push(database_url: str, settled: Callable[[OutboxMessage], bool]) -> OutboxMessage:
    """The one SMS news in the outbox, once `settled` holds for it: the worker in `serve` works in
    its own time (it marks a push delivered just after Twilio has it)."""
    deadline = time.monotonic() + 30
    while True:
        with open_database(database_url)() as session:
            push = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "push:sms")).one()
        if settled(push):
            return push
        assert time.monotonic() < deadline, f"the outbox worker did not get there: {push.__dict__}"
        time.sleep(0.2)


# language: (the first question, a long message in another language, that language)
CONVERSATIONS = {
    "en": ("How do I apply for MSP?", "Je cherche un médecin de famille pour mes enfants, s'il vous plaît", "fr"),
    "fr": ("Comment est-ce que je m'inscris au MSP ?", "How can I find a family doctor for my children please", "en"),
    "pa": ("ਮੈਨੂੰ ਪਰਿਵਾਰਕ ਡਾਕਟਰ ਕਿਵੇਂ ਮਿਲੇਗਾ", "How can I find a family doctor for my children please", "en"),
    "ar": ("كيف أسجل في التأمين الصحي MSP", "How can I find a family doctor for my children please", "en"),
}


def test_whole_conversations_in_four_languages_with_a_referral_pushed_back(served: Served, database_url: str) -> None:
    codes = {}
    for n, (language, (question, other, other_language)) in enumerate(CONVERSATIONS.items()):
        phone = Phone(served.url, f"+1604555{n:04d}", language)
        # First contact: "this language, or another?", the guess on top.
        menu = phone.says(question)
        assert f"1. {language_name(language, menu=True)}" in menu, (language, menu)
        assert _(language, "OK. I will write to you in {language}.") in phone.says("1"), language
        # The question waited for the language; now the menus, by number.
        topics = phone.says("/menu")
        assert _(language, "I can answer questions about {topics}. Write your question, or choose a topic.") in topics
        entries = phone.says("1")
        assert "2. " in entries, (language, entries)
        entry = phone.says("1")
        assert "Source: " in entry or _(language, "Source: {url}") in entry, (language, entry)
        # A long message in another language: the bot asks, and switches.
        switch = phone.says(other)
        assert f"1. {language_name(other_language, menu=True)}" in switch, (language, switch)
        assert _(other_language, "OK. I will write to you in {language}.") in phone.says("1"), language
        # ...and back, from the whole list of languages, by number.
        every = phone.says("/language")
        number = list(dict.fromkeys([other_language, *SUPPORTED])).index(language) + 1
        assert f"{number}. {language_name(language, menu=True)}" in every
        assert _(language, "OK. I will write to you in {language}.") in phone.says(str(number))
        # A person from an agency: consent first, to exactly what is shared.
        phone.says("/menu")
        phone.says("1")
        phone.says("1")
        consent = phone.says("3")  # talk to a person
        assert _(language, "Do you agree?") in consent, (language, consent)
        assert _(language, "What name should they use? A first name or a nickname is enough.") in phone.says("1")
        assert _(language, "How should they contact you?") in phone.says("Sam")
        assert _(language, "In one line, what do you need help with?") in phone.says("1")  # here, by SMS
        done = phone.says("I need help finding an apartment")
        codes[language] = re.search(r"SB-[0-9A-Z]{6}", done).group()
        if language in ("fr", "pa", "ar"):  # their scripts' SMS hold 70 characters: some answers were cut
            assert phone.mores >= 1, language

    with open_database(database_url)() as session:
        referrals = {r.code: r for r in session.scalars(select(Referral))}
        addresses = [a for a in session.scalars(select(Contact.address)) if a]
    assert {referrals[code].language for code in codes.values()} == set(CONVERSATIONS)
    assert all(referrals[code].channel == "sms" for code in codes.values())
    assert len(addresses) == 4 and not any("+1604555" in a for a in addresses)  # kept, sealed

    # Arabic's agency accepts through the API; Twilio's first answer to the push is a 500.
    code = codes["ar"]
    served.twilio.failing = 1
    agency_answers(served, database_url, code, "accept")
    [pushed] = served.twilio.wait_for(1)  # after the retry
    assert pushed["To"] == "+16045550003" and pushed["From"] == BOT_NUMBER
    assert code in pushed["Body"] and _("ar", "Good news: {agency} accepted your request {code}. Please contact "
                                                    "them and give them this code.") in seen(pushed["Body"])
    assert segments(pushed["Body"]) <= MAX_SEGMENTS
    assert pushed["StatusCallback"] == f"{served.url}/sms/twilio/status"
    push = sms_push(database_url, lambda row: row.delivered_at is not None)
    assert push.attempts == 2  # the 500, then the retry

    # Twilio reports its fate; a forged report changes nothing.
    report = {"MessageSid": pushed["Sid"], "AccountSid": ACCOUNT_SID, "MessageStatus": "delivered"}
    assert signed(f"{served.url}/sms/twilio/status", report, token="forged").status_code == 403
    assert signed(f"{served.url}/sms/twilio/status", {**report, "MessageStatus": "sent"}).status_code == 204
    assert signed(f"{served.url}/sms/twilio/status", report).status_code == 204
    assert signed(f"{served.url}/sms/twilio/status", {**report, "MessageStatus": "sent"}).status_code == 204  # late
    with open_database(database_url)() as session:
        assert session.get(SentMessage, pushed["Sid"]).status == "delivered"


def test_a_number_for_a_menu_not_yet_read_sends_the_rest_first(served: Served) -> None:
    number = "+16045550201"
    phone = Phone(served.url, number, "ar")
    for line in ("كيف أسجل في التأمين الصحي MSP", "1", "/menu", "1", "1"):
        phone.says(line)  # read to the end
    reply = answer(post(served.url, number, "3"))  # talk to a person: the consent question, over three Arabic SMS
    more = seen(more_prompt("ar"))
    assert more in seen(reply)
    while more in seen(reply):
        reply = answer(post(served.url, number, "1"))  # "yes", typed before the question could be read
        assert _("ar", "What name should they use? A first name or a nickname is enough.") not in seen(reply)
    assert _("ar", "Do you agree?") in seen(reply)  # the rest came instead, ending with the question
    assert _("ar", "What name should they use? A first name or a nickname is enough.") in seen(
        answer(post(served.url, number, "1")))


def referred(served: Served, number: str) -> tuple[Phone, str]:
    """A newcomer who asked for a person by SMS, in English, and agreed: their phone and the code."""
    phone = Phone(served.url, number, "en")
    for line in ("How do I apply for MSP?", "1", "3", "1", "1", "1", "I need a family doctor"):
        done = phone.says(line)
    return phone, re.search(r"SB-[0-9A-Z]{6}", done).group()


def agency_answers(served: Served, database_url: str, code: str, action: str) -> None:
    """The referral's agency accepts or declines it through the agency API."""
    with open_database(database_url)() as session:
        organization = session.scalars(select(Referral.organization_id).where(Referral.code == code)).one()
    token = settlebot("agencies", "token", organization, env=served.env).stdout.strip()
    answered = httpx.post(f"{served.url}/agency/referrals/{code}/{action}",
                          headers={"Authorization": f"Bearer {token}"})
    assert answered.status_code == 200, answered.text


def test_after_stop_news_waits_and_comes_with_start(served: Served, database_url: str) -> None:
    phone, code = referred(served, "+16045550202")
    assert phone.says("STOP") == ""
    agency_answers(served, database_url, code, "accept")
    push = sms_push(database_url, lambda row: row.last_error is not None)  # tried, and left waiting
    assert push.delivered_at is None and "cannot be written to" in push.last_error
    assert served.twilio.messages == []
    welcome = phone.says("START")
    assert f"accepted your request {code}" in welcome and "I can answer questions about" in welcome


def test_a_number_twilio_will_not_write_to_is_forgotten(served: Served, database_url: str) -> None:
    phone, code = referred(served, "+16045550203")
    served.twilio.refusing[phone.number] = 21610  # they texted STOP to the carrier, not to us
    agency_answers(served, database_url, code, "decline")
    push = sms_push(database_url, lambda row: row.last_error is not None)
    with open_database(database_url)() as session:
        address = session.scalars(select(Contact.address).where(Contact.channel == "sms")).one()
    assert "21610" in push.last_error and address is None and served.twilio.messages == []
    assert code in phone.says("hello")  # the news, at their next message


def test_an_sms_twilio_reports_undelivered_is_sent_again(served: Served, database_url: str) -> None:
    _phone, code = referred(served, "+16045550204")
    agency_answers(served, database_url, code, "accept")
    [first] = served.twilio.wait_for(1)
    sms_push(database_url, lambda row: row.delivered_at is not None)  # and noted as sent
    report = {"MessageSid": first["Sid"], "AccountSid": ACCOUNT_SID, "MessageStatus": "undelivered",
              "ErrorCode": "30003"}  # the handset was off
    assert signed(f"{served.url}/sms/twilio/status", report).status_code == 204
    again = served.twilio.wait_for(2)[1]  # back in the outbox, and sent again
    assert again["Body"] == first["Body"] and again["To"] == first["To"]
    with open_database(database_url)() as session:
        assert session.get(SentMessage, first["Sid"]).error_code == "30003"


def test_a_name_that_is_also_a_stop_word_is_a_name(served: Served, database_url: str) -> None:
    phone = Phone(served.url, "+16045550205", "vi")
    for line in ("Làm sao để đăng ký MSP?", "1", "3", "1"):  # Vietnamese; talk to a person; consent
        phone.says(line)
    asked = phone.says("Huy")  # a common name, and "hủy" (cancel) without its accents
    assert _("vi", "How should they contact you?") in asked
    with open_database(database_url)() as session:
        assert not session.scalars(select(Contact.state)).one().get("stopped")
