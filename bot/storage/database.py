"""Database connection and schema: `open_database(url)` migrates to the newest schema (Alembic)
and returns a session factory."""

from __future__ import annotations

import datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, delete, event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import (
    ERASED,
    Contact,
    InboundDelivery,
    Message,
    OutboxMessage,
    Referral,
    SentMessage,
    UnansweredQuestion,
    now,
)

MIGRATIONS = Path(__file__).parent / "migrations"
# What a conversation keeps only while it goes on (dialogue state keys).
ABANDONED = {"pending", "handoff", "more"}  # "more": the rest of a reply cut to fit an SMS
FINISHED = ("declined", "closed")  # referral statuses after which nothing more will happen


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def create(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(connection, _record) -> None:
            connection.isolation_level = None  # the driver's own BEGIN takes no lock: see _begin
            connection.execute("PRAGMA foreign_keys = ON")  # SQLite enforces them only when asked
            # Write-ahead logging: readers do not wait for a writer, so a chat, a server and a worker
            # can share the file; and a commit costs no fsync of the whole database.
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute("PRAGMA busy_timeout = 10000")

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:
            # Take the write lock when the transaction starts, as SELECT ... FOR UPDATE does on
            # PostgreSQL: two processes reading one contact's state would otherwise both write it.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    return engine


def open_database(url: str) -> sessionmaker[Session]:
    """Bring the schema up to date and return a session factory."""
    command.upgrade(alembic_config(url), "head")
    return sessionmaker(create(url), expire_on_commit=False)


def concurrent_writers(sessions: sessionmaker[Session]) -> int:
    """How many transactions that write are worth running at once: SQLite takes one writer at a
    time, and more threads only contend for the GIL while one of them holds the lock."""
    return 1 if sessions.kw["bind"].dialect.name == "sqlite" else 8


def purge(sessions: sessionmaker[Session], retention: datetime.timedelta) -> int:
    """Blank the text of messages and unanswered questions older than `retention`, erase the
    contact details of referrals finished before then, and forget what a contact not seen since
    left half-done (a question waiting on the language menu, a referral not finished); how many."""
    cutoff = now() - retention
    with sessions.begin() as session:
        purged = 0
        for table in (Message, UnansweredQuestion):
            result = session.execute(update(table).where(table.created_at < cutoff, table.text.is_not(None))
                                     .values(text=None))
            purged += result.rowcount
        session.execute(delete(InboundDelivery).where(InboundDelivery.created_at < cutoff))  # retries are long over
        session.execute(delete(SentMessage).where(SentMessage.created_at < cutoff))  # its status reports too
        # News and replies sent to a person long ago: their text is in no one's interest any more.
        session.execute(delete(OutboxMessage).where(OutboxMessage.kind.startswith("push:"),
                                                    OutboxMessage.delivered_at < cutoff))
        # A referral that is over keeps its history for reports, not the person's details.
        result = session.execute(update(Referral).where(Referral.status.in_(FINISHED), Referral.updated_at < cutoff,
                                                        Referral.details != ERASED).values(details=ERASED))
        purged += result.rowcount
        # Someone not seen since, with no referral still going, will hear nothing more: forget how to reach them.
        waiting = select(Referral.contact_id).where(Referral.status.not_in(FINISHED))
        result = session.execute(update(Contact).where(Contact.last_seen_at < cutoff, Contact.address.is_not(None),
                                                       Contact.id.not_in(waiting)).values(address=None))
        purged += result.rowcount
        for contact in session.scalars(select(Contact).where(Contact.last_seen_at < cutoff)):
            if ABANDONED & set(contact.state or {}):
                contact.state = {k: v for k, v in contact.state.items() if k not in ABANDONED}
                purged += 1
    return purged
