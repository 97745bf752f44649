"""Hand-offs through the dialogue and the outbox, with a real SMTP server and a real webhook
receiver on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import threading
from pathlib import Path

from sqlalchemy import select, text

from bot.config import PROJECT_ROOT, Notifications
from bot.dialogue import Dialogue
from bot.i18n import translations
from bot.knowledge.loader import load_knowledge_base
from bot.knowledge.model import KnowledgeBase
from bot.nlu.engine import BuiltinNLU
from bot.referrals import records
from bot.referrals.notifiers.email import EmailNotifier
from bot.referrals.notifiers.webhook import WebhookNotifier
from bot.referrals.outbox import OutboxWorker
from bot.referrals.signing import webhook_secret
from bot.storage.database import create
from bot.storage.models import ConsentDecision, OutboxMessage, Referral, now
from bot.storage.secrets import SecretBox
from tests.conftest import TEST_KEY, settlebot
from tests.people import KEY, Person, choices
from tests.people import text as said
from tests.servers import MailBox, WebhookReceiver, free_port, knowledge_base_with

FAST = Notifications(retry_first=datetime.timedelta(seconds=60), lease=datetime.timedelta(seconds=30))


def worker(sessions, kb: KnowledgeBase, smtp_url: str | None, clock=now, policy: Notifications = FAST) -> OutboxWorker:
    notifiers = [EmailNotifier(smtp_url, "settlebot@example.org", lambda: kb, KEY, "https://lip.example.org",
                               datetime.UTC),
                 WebhookNotifier(lambda: kb, KEY, "https://lip.example.org")]
    return OutboxWorker(sessions, SecretBox(KEY), notifiers, policy, clock)


ASK = {"en": "I need to talk to a person about housing", "uk": "хочу поговорити з людиною про житло",
       "fa": "می‌خواهم با یک نفر درباره مسکن صحبت کنم"}


def refer(person: Person, language: str = "en", *, name: str = "Amira", phone: str | None = "604 555 0123",
          need: str = "we must leave our apartment next week") -> str:
    """Ask for a person about housing and go through consent; returns the reference code."""
    person.says(ASK[language])
    person.presses("consent:yes")
    person.says(name)
    if phone:
        person.presses("reach:phone")
        person.says(phone)
    else:
        person.presses("reach:chat")
    done = said(person.says(need))
    return re.search(r"SB-[0-9A-Z]{6}", done).group()


def test_consent_then_only_what_the_agency_needs_then_a_referral(dialogue: Dialogue, sessions,
                                                                 database_url: str) -> None:
    person = Person(dialogue).with_language("en")
    consent = person.says("I need to talk to a person about housing")
    assert "Harbourview" in said(consent) and "Do you agree?" in said(consent)
    assert "a name if you give one, how to reach you, and one line about what you need" in said(consent)
    person.presses("consent:yes")
    person.says("Amira")
    person.presses("reach:phone")
    assert "does not look like a phone number" in said(person.says("604 555"))
    person.says("778-555-0199")
    done = said(person.says("we must leave our apartment next week"))
    code = re.search(r"SB-[0-9A-Z]{6}", done).group()
    with sessions() as session:
        referral = session.scalars(select(Referral)).one()
        consents = session.scalars(select(ConsentDecision)).all()
        outbox = session.scalars(select(OutboxMessage)).all()
    assert (referral.code, referral.status, referral.topic, referral.organization_id) == (
        code, "sent", "housing", "harbourview")
    assert [(c.granted, c.text) for c in consents] == [(True, referral.consent_text)]
    assert "Harbourview" in referral.consent_text
    assert [(m.kind, m.recipient) for m in outbox] == [("email", "harbourview")]
    # Nothing that names or reaches the person is stored in the clear, in any table.
    with create(database_url).connect() as connection:
        tables = ("contacts", "messages", "referrals", "referral_events", "consent_decisions", "outbox",
                  "unanswered_questions")
        for table in tables:
            dump = repr(connection.execute(text(f"SELECT * FROM {table}")).all())
            assert "Amira" not in dump and "7785550199" not in dump and "555-0199" not in dump, table
            assert "leave our apartment" not in dump, table


def test_a_no_is_respected_and_recorded(dialogue: Dialogue, sessions) -> None:
    person = Person(dialogue).with_language("en")
    person.says("can I talk to a real person")
    assert "Nothing was shared" in said(person.presses("consent:no"))
    with sessions() as session:
        assert session.scalars(select(Referral)).all() == []
        assert session.scalars(select(OutboxMessage)).all() == []
        refusal = session.scalars(select(ConsentDecision)).one()
    assert refusal.granted is False and "Do you agree?" in refusal.text


def test_the_agency_is_chosen_by_language(dialogue: Dialogue) -> None:
    punjabi = Person(dialogue, sender="pa").with_language("pa")
    punjabi.presses("entry:family-doctor")
    assert "Maple Bridge" in said(punjabi.presses("person:talk"))  # its health service speaks Punjabi
    arabic = Person(dialogue, sender="ar").with_language("ar")
    arabic.presses("entry:family-doctor")
    assert "Harbourview" in said(arabic.presses("person:talk"))  # its staff speak Arabic; Maple Bridge interprets


def test_no_partner_for_the_need_goes_to_the_lip_desk(nlu: BuiltinNLU, sessions, tmp_path: Path) -> None:
    directory = tmp_path / "kb"
    shutil.copytree(PROJECT_ROOT / "knowledge_base", directory)
    agencies = directory / "agencies.yml"
    agencies.write_text(agencies.read_text(encoding="utf-8").replace(
        "topics: [housing, healthcare, jobs, language_classes]", "topics: [jobs, language_classes]")
        .replace("topics: [healthcare]", "topics: [jobs]"), encoding="utf-8")
    for entries in (directory / "entries").glob("healthcare-*.yml"):  # and no health entry names a service
        entries.write_text(re.sub(r"services: \[.*\]", "services: []", entries.read_text(encoding="utf-8")),
                           encoding="utf-8")
    person = Person(Dialogue(nlu, load_knowledge_base(directory)[0], sessions, KEY)).with_language("en")
    person.presses("entry:dental")
    consent = said(person.presses("person:talk"))
    assert "No partner agency covers this yet" in consent and "LIP referral desk" in consent


def test_the_email_reaches_a_real_smtp_server_with_what_a_caseworker_needs(
        dialogue: Dialogue, sessions, kb: KnowledgeBase, mailbox: MailBox) -> None:
    code = refer(Person(dialogue, sender="p1").with_language("uk"), "uk", need="нам треба виїхати з квартири")
    assert worker(sessions, kb, mailbox.url).run_once() == 1
    [message] = mailbox.messages
    body = message.get_payload(decode=True).decode()
    assert message["To"] == "intake@harbourview.example.org" and code in message["Subject"]
    assert "Ukrainian" in message["Subject"] and "Housing" in message["Subject"]
    for shown in ("Amira", "+16045550123", "нам треба виїхати з квартири", f"/agency/r/{code}?key="):
        assert shown in body
    with sessions() as session:
        key = session.scalars(select(OutboxMessage.key)).one()
    assert message["Idempotency-Key"] == key and message["Message-ID"] == f"<{key}@settlebot>"


def test_smtp_down_nothing_is_lost_and_it_is_delivered_when_it_returns(
        dialogue: Dialogue, sessions, kb: KnowledgeBase) -> None:
    port = free_port()
    code = refer(Person(dialogue).with_language("en"))
    clock = [now()]
    outbox = worker(sessions, kb, f"smtp://127.0.0.1:{port}", clock=lambda: clock[0])
    assert outbox.run_once() == 0  # nothing listens: the attempt fails
    with sessions() as session:
        waiting = session.scalars(select(OutboxMessage)).one()
        assert session.scalars(select(Referral.code)).one() == code  # the referral itself is safe
    assert waiting.attempts == 1 and waiting.delivered_at is None and "127.0.0.1" in waiting.last_error
    mailbox = MailBox(port).start()
    try:
        assert outbox.run_once() == 0  # not yet: the retry waits its turn
        clock[0] += datetime.timedelta(seconds=90)
        assert outbox.run_once() == 1
        assert outbox.run_once() == 0  # and only once
    finally:
        mailbox.stop()
    assert len(mailbox.messages) == 1 and code in mailbox.messages[0]["Subject"]


def test_several_workers_deliver_each_notification_once(dialogue: Dialogue, sessions, kb: KnowledgeBase,
                                                        mailbox: MailBox) -> None:
    codes = {refer(Person(dialogue, sender=f"p{i}").with_language("en")) for i in range(8)}
    workers = [worker(sessions, kb, mailbox.url) for _ in range(3)]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    while any(w.run_once() for w in workers):
        pass
    subjects = [m["Subject"] for m in mailbox.messages]
    assert len(subjects) == 8 and {re.search(r"SB-\w+", s).group() for s in subjects} == codes


def test_a_webhook_is_signed_and_a_forgery_is_detectable(nlu: BuiltinNLU, sessions, tmp_path: Path,
                                                         mailbox: MailBox) -> None:
    receiver = WebhookReceiver().start()
    try:
        kb = load_knowledge_base(knowledge_base_with(tmp_path, webhook_url=receiver.url))[0]
        code = refer(Person(Dialogue(nlu, kb, sessions, KEY)).with_language("en"))
        assert worker(sessions, kb, mailbox.url).run_once() == 2  # the email and the webhook
    finally:
        receiver.stop()
    [request] = receiver.requests
    payload = json.loads(request.body)
    assert payload["referral"]["code"] == code and payload["referral"]["phone"] == "+16045550123"
    verify = documented_verifier()
    secret = webhook_secret(KEY, "harbourview")
    header = request.headers["x-settlebot-signature"]
    assert verify(secret, request.body, header, now_seconds=int(header.split(",")[0][2:]))
    forged = request.body.replace(b"+16045550123", b"+16045550199")
    assert not verify(secret, forged, header, now_seconds=int(header.split(",")[0][2:]))
    assert not verify("another agency's secret", request.body, header, now_seconds=int(header.split(",")[0][2:]))


def documented_verifier():
    """The verification snippet from docs/agencies.md, run as an agency would copy it."""
    doc = (PROJECT_ROOT / "docs" / "agencies.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    namespace: dict = {}
    exec(snippet, namespace)
    return namespace["verify"]


def test_the_newcomer_hears_the_agencys_answer_and_is_asked_later(dialogue: Dialogue, sessions,
                                                                  kb: KnowledgeBase) -> None:
    person = Person(dialogue).with_language("fa")
    code = refer(person, "fa")
    with sessions.begin() as session:
        records.change_status(session.connection(), code, "harbourview", "accepted", "agency:harbourview")
    news = person.says("سلام")
    assert code in news[0].text and "harbourview.example.org" in news[0].text  # at their next message
    clock = [now() + datetime.timedelta(days=8)]
    worker(sessions, kb, None, clock=lambda: clock[0]).schedule_follow_ups()
    asked = person.says("سلام")
    assert choices(asked)[:2] == [f"reached:yes:{code}", f"reached:no:{code}"]
    person.presses(f"reached:no:{code}")
    with sessions() as session:
        found = records.view(session.connection(), SecretBox(KEY), code)
    assert found.history[-1][1:] == ("newcomer", found.history[-1][2], "the agency has not contacted them")


def test_the_email_is_in_the_agencys_language_of_work(nlu: BuiltinNLU, sessions, tmp_path: Path,
                                                       mailbox: MailBox) -> None:
    directory = tmp_path / "kb"
    shutil.copytree(PROJECT_ROOT / "knowledge_base", directory)
    agencies = directory / "agencies.yml"
    agencies.write_text(agencies.read_text(encoding="utf-8").replace(
        "    url: https://harbourview.example.org\n    language: en\n",
        "    url: https://harbourview.example.org\n    language: fr\n"), encoding="utf-8")
    kb = load_knowledge_base(directory)[0]
    code = refer(Person(Dialogue(nlu, kb, sessions, KEY)).with_language("uk"), "uk")
    worker(sessions, kb, mailbox.url).run_once()
    body = mailbox.messages[0].get_payload(decode=True).decode()
    french = translations("fr")
    assert french.gettext("Reference: {code}").format(code=code) in body
    assert "ukrainien" in body  # the newcomer's language, named in French
    assert mailbox.messages[0]["Content-Language"] == "fr"


def test_staff_can_send_an_agency_a_test_notification(database_url: str, mailbox: MailBox) -> None:
    env = {"SETTLEBOT_DATABASE_URL": database_url, "SETTLEBOT_SECRET_KEY": TEST_KEY, "SMTP_URL": mailbox.url}
    result = settlebot("agencies", "test-notify", "opendoor", env=env)
    assert result.returncode == 0 and "jobs@opendoor.example.org" in result.stdout
    assert [m["To"] for m in mailbox.messages] == ["jobs@opendoor.example.org"]
    down = settlebot("agencies", "test-notify", "opendoor", env={**env, "SMTP_URL": f"smtp://127.0.0.1:{free_port()}"})
    assert down.returncode == 1 and "retried" in down.stderr
    unknown = settlebot("agencies", "test-notify", "opendor", env=env)
    assert unknown.returncode == 1 and "opendoor" in unknown.stderr  # the ids it knows
    typo = settlebot("referrals", "list", "--agency", "harbourvew", env=env)  # not an empty list: a typo
    assert typo.returncode == 1 and "did you mean 'harbourview'?" in typo.stderr


def test_a_handoff_button_counts_only_at_its_own_step(dialogue: Dialogue, sessions) -> None:
    person = Person(dialogue).with_language("en")
    person.says(ASK["en"])
    person.presses("skip")  # an old "Skip" pressed at the consent question
    person.presses("reach:chat")
    with sessions() as session:
        assert session.scalars(select(Referral)).all() == []
        assert session.scalars(select(ConsentDecision)).all() == []
    assert "Nothing was shared" in said(person.presses("consent:no"))  # the consent question still stands


def test_a_half_finished_referral_keeps_nothing_in_the_clear(dialogue: Dialogue, database_url: str) -> None:
    person = Person(dialogue).with_language("en")
    person.says(ASK["en"])
    person.presses("consent:yes")
    person.says("Amira Haddad")
    person.presses("reach:phone")
    person.says("778-555-0199")  # and then they stop writing
    with create(database_url).connect() as connection:
        for table in ("contacts", "messages"):
            dump = repr(connection.execute(text(f"SELECT * FROM {table}")).all())
            assert "Amira" not in dump and "7785550199" not in dump and "555-0199" not in dump, table


def test_a_need_that_sounds_like_danger_gets_the_crisis_lines_and_the_referral(dialogue: Dialogue, sessions) -> None:
    person = Person(dialogue).with_language("en")
    person.says(ASK["en"])
    person.presses("consent:yes")
    person.presses("skip")
    person.presses("reach:chat")
    replies = said(person.says("we are sleeping in our car with the kids"))
    assert replies.index("9-1-1") < replies.index("SB-")  # safety first, and the request still goes
    with sessions() as session:
        assert session.scalars(select(Referral.status)).all() == ["sent"]


def test_a_slow_mail_server_still_gets_each_referral_once(dialogue: Dialogue, sessions, kb: KnowledgeBase) -> None:
    """Two workers, a mail server that takes longer than half the lease per message."""
    mailbox = MailBox(delay=0.6).start()
    try:
        codes = {refer(Person(dialogue, sender=f"p{i}").with_language("en")) for i in range(4)}
        policy = Notifications(lease=datetime.timedelta(seconds=1))
        workers = [worker(sessions, kb, mailbox.url, policy=policy) for _ in range(2)]
        threads = [threading.Thread(target=w.run_once) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        mailbox.stop()
    assert sorted(re.search(r"SB-\w+", m["Subject"]).group() for m in mailbox.messages) == sorted(codes)


def test_menu_numbers_follow_the_last_menu_shown(dialogue: Dialogue, sessions) -> None:
    person = Person(dialogue).with_language("en")
    code = refer(person)
    with sessions.begin() as session:
        records.change_status(session.connection(), code, "harbourview", "declined", "agency:harbourview")
    replies = person.says("hello")  # the news (with its Yes/No), then the topic menu
    assert code in replies[0].text and choices(replies)[-4:] == [f"topic:{t}" for t in dialogue.kb.topics]
    assert choices(person.says("3"))[0] == "entry:sin"  # 3 of the last menu: Jobs


def test_a_topic_named_in_the_request_wins_over_an_earlier_one(dialogue: Dialogue) -> None:
    person = Person(dialogue).with_language("en")
    person.presses("entry:credential-recognition")  # a jobs answer
    assert "Harbourview" in said(person.says(ASK["en"]))  # "... about housing": not the jobs agency


def test_someone_reached_in_the_chat_is_told_to_contact_the_agency(dialogue: Dialogue, sessions) -> None:
    person = Person(dialogue).with_language("en")
    code = refer(person, phone=None)
    with sessions.begin() as session:
        records.change_status(session.connection(), code, "harbourview", "accepted", "agency:harbourview")
    news = said(person.says("hi"))
    assert "Please contact them and give them this code" in news and "intake@harbourview.example.org" in news


def test_an_old_signature_is_refused() -> None:
    from bot.referrals.signing import signature

    verify = documented_verifier()
    header = signature("secret", b"{}", timestamp=1_700_000_000)
    assert verify("secret", b"{}", header, now_seconds=1_700_000_060)
    assert not verify("secret", b"{}", header, now_seconds=1_700_000_000 + 3600)  # replayed an hour later


def test_staff_can_hand_a_referral_to_another_agency(nlu: BuiltinNLU, kb: KnowledgeBase, sessions,
                                                     database_url: str, mailbox: MailBox) -> None:
    person = Person(Dialogue(nlu, kb, sessions, TEST_KEY.encode())).with_language("en")
    code = refer(person, need="I also need help with my resume")
    env = {"SETTLEBOT_DATABASE_URL": database_url, "SETTLEBOT_SECRET_KEY": TEST_KEY, "SMTP_URL": mailbox.url}
    wrong = settlebot("referrals", "assign", code, "opendoor", "--service", "jobs", env=env)
    assert wrong.returncode == 1 and "employment" in wrong.stderr  # the services it has
    moved = settlebot("referrals", "assign", code, "opendoor", "--service", "employment", env=env)
    assert moved.returncode == 0, moved.stderr
    assert "Delivered 2" in settlebot("worker", "--once", env=env).stdout  # Harbourview's and Open Door's
    assert sorted(m["To"] for m in mailbox.messages) == ["intake@harbourview.example.org", "jobs@opendoor.example.org"]
    shown = settlebot("referrals", "show", code, env=env).stdout
    assert "opendoor / opendoor/employment" in shown and "assigned from harbourview to opendoor" in shown
