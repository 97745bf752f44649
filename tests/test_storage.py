"""Storage on SQLite, and on PostgreSQL when SETTLEBOT_TEST_DATABASE_URL is set (CI sets it)."""

from __future__ import annotations

import datetime

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.database import alembic_config, create, open_database
from bot.storage.models import Contact, Message, Referral, UnansweredQuestion, now
from bot.storage.pseudonym import contact_id
from tests.conftest import settlebot

TABLES = {"contacts", "messages", "feedback", "unanswered_questions", "referrals", "referral_events",
          "consent_decisions", "outbox", "agency_tokens", "inbound_deliveries"}


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return open_database(database_url)


def test_migrations_create_and_remove_the_schema(database_url: str) -> None:
    open_database(database_url)
    assert set(inspect(create(database_url)).get_table_names()) >= TABLES
    command.downgrade(alembic_config(database_url), "base")
    assert not TABLES & set(inspect(create(database_url)).get_table_names())


def test_contacts_are_stored_under_a_keyed_pseudonym(sessions: sessionmaker[Session]) -> None:
    key = b"test-key"
    phone = "+16045550123"
    pseudonym = contact_id(key, "sms", phone)
    assert pseudonym == contact_id(key, "sms", phone)  # the same person finds their row again
    assert pseudonym != contact_id(b"other-key", "sms", phone)  # without the key it cannot be recomputed
    assert pseudonym != contact_id(key, "telegram", phone)
    with sessions.begin() as session:
        session.add(Contact(id=pseudonym, channel="sms", language="ar", state={"step": "menu", "نص": "عربي"}))
        session.add(Message(contact_id=pseudonym, inbound=True, text="بدي سكن", language="ar", intent="housing"))
    with sessions() as session:
        stored = session.get(Contact, pseudonym)
        assert stored.state == {"step": "menu", "نص": "عربي"}
        dump = " ".join(str(row) for table in TABLES for row in session.execute(text(f"SELECT * FROM {table}")))
    assert "6045550123" not in dump


def test_purge_blanks_old_text_and_keeps_the_rest(sessions: sessionmaker[Session], database_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    old = now() - datetime.timedelta(days=40)
    with sessions.begin() as session:
        session.add(Contact(id="c1", channel="console", state={}))
        session.add_all([
            Message(contact_id="c1", inbound=True, text="old question", intent="jobs", created_at=old),
            Message(contact_id="c1", inbound=True, text="new question", intent="jobs"),
            UnansweredQuestion(contact_id="c1", text="old unanswered", created_at=old),
        ])
        for code, status in (("SB-CLOSED", "closed"), ("SB-OPEN22", "accepted")):
            session.add(Referral(code=code, contact_id="c1", channel="console", language="en", topic="jobs",
                                 organization_id="opendoor", reach="chat", details="sealed", consent_text="...",
                                 consented_at=old, status=status, follow_up_due=old, updated_at=old))
    monkeypatch.setenv("SETTLEBOT_DATABASE_URL", database_url)
    result = settlebot("purge")
    assert result.returncode == 0, result.stderr
    assert "Blanked 3 texts older than 30 days" in result.stdout
    with sessions() as session:
        texts = session.scalars(select(Message.text).order_by(Message.id)).all()
        intents = session.scalars(select(Message.intent)).all()
        assert texts == [None, "new question"]
        assert intents == ["jobs", "jobs"]  # what was asked about stays for reports
        assert session.scalars(select(UnansweredQuestion.text)).all() == [None]
        details = dict(session.execute(select(Referral.code, Referral.details)).all())
        assert details == {"SB-CLOSED": "", "SB-OPEN22": "sealed"}  # an open referral keeps what the agency needs


def test_purge_forgets_how_to_reach_someone_with_nothing_left_to_hear(sessions: sessionmaker[Session],
                                                                      database_url: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    old = now() - datetime.timedelta(days=40)
    with sessions.begin() as session:
        for contact, seen in (("gone", old), ("waiting", old), ("recent", now())):
            session.add(Contact(id=contact, channel="telegram", state={}, address="sealed", last_seen_at=seen))
        session.add(Referral(code="SB-WAIT22", contact_id="waiting", channel="telegram", language="en", topic="jobs",
                             organization_id="opendoor", reach="chat", details="sealed", consent_text="...",
                             consented_at=old, status="accepted", follow_up_due=old, updated_at=old))
    monkeypatch.setenv("SETTLEBOT_DATABASE_URL", database_url)
    assert settlebot("purge").returncode == 0
    with sessions() as session:
        addresses = dict(session.execute(select(Contact.id, Contact.address)).all())
    # Someone whose referral is still going can still be told of it; the others are not written to.
    assert addresses == {"gone": None, "waiting": "sealed", "recent": "sealed"}
