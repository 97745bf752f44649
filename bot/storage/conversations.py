"""The dialogue's view of the database: one transaction per inbound message, holding the
contact's row locked so that two workers never interleave one person's turns.

Written with SQLAlchemy Core statements on the models' tables rather than ORM objects: a message
costs a handful of statements, and the ORM's unit of work was two thirds of the dialogue's time
(docs/benchmarks.md). The statements run on every message are built once, with bound parameters:
building them anew took a third of a turn (benchmarks/telegram.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import Connection, Engine, Insert, Row, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import (
    Contact,
    Feedback,
    InboundDelivery,
    Message,
    OutboxMessage,
    Referral,
    UnansweredQuestion,
    as_utc,
    now,
)

_DIALECT_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # the two with ON CONFLICT
_LOCKED = (select(Contact.language, Contact.state, Contact.address).where(Contact.id == bindparam("contact"))
           .with_for_update())
_SAVE = update(Contact).where(Contact.id == bindparam("contact"))  # SET: the keys of the parameters given
_LOG = insert(Message)
_DELIVERY = ((InboundDelivery.channel == bindparam("the_channel"))
             & (InboundDelivery.delivery_id == bindparam("the_delivery")))
_ANSWER = select(InboundDelivery.answer).where(_DELIVERY)
_KEEP_ANSWER = update(InboundDelivery).where(_DELIVERY).values(answer=bindparam("the_answer"))


@cache
def _if_new(dialect: str, table: type) -> Insert:
    return (_DIALECT_INSERT[dialect](table).on_conflict_do_nothing()
            .returning(*table.__table__.primary_key.columns))


def _insert_if_new(connection: Connection, table: type, values: dict) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL): whether the row was new."""
    return connection.execute(_if_new(connection.dialect.name, table), values).first() is not None


class Conversation:
    def __init__(self, connection: Connection, contact_id: str, language: str | None, state: dict,
                 address: str | None):
        self.connection = connection  # this turn's transaction: what else the turn writes joins it
        self.contact_id = contact_id
        self._messages: list[dict] = []
        self.language = language
        self.state = state
        self.address = address  # sealed; None on channels that cannot push
        self._address_kept = address
        self.erased = False

    def log(self, *, inbound: bool, text: str, language: str | None, intent: str | None = None) -> None:
        self._messages.append({"contact_id": self.contact_id, "inbound": inbound, "text": text,
                               "language": language, "intent": intent, "created_at": now()})

    def feedback(self, entry: str, helpful: bool) -> None:
        self.connection.execute(insert(Feedback).values(contact_id=self.contact_id, entry_id=entry,
                                                         helpful=helpful, created_at=now()))

    def unanswered(self, text: str, language: str | None, intent: str | None) -> None:
        self.connection.execute(insert(UnansweredQuestion).values(
            contact_id=self.contact_id, text=text, language=language, intent=intent, created_at=now()))

    def first_delivery(self, channel: str, delivery_id: str) -> bool:
        """Record a channel's delivery id; False if it was recorded before (a redelivery)."""
        return _insert_if_new(self.connection, InboundDelivery,
                              {"channel": channel, "delivery_id": delivery_id, "created_at": now()})

    def answer_to(self, channel: str, delivery_id: str) -> str:
        """What was answered to a delivery handled before, on a channel that keeps its answers (SMS)."""
        return self.connection.execute(_ANSWER, {"the_channel": channel, "the_delivery": delivery_id}).scalar() or ""

    def keep_answer(self, channel: str, delivery_id: str, answer: str) -> None:
        self.connection.execute(_KEEP_ANSWER, {"the_channel": channel, "the_delivery": delivery_id,
                                               "the_answer": answer})

    def kept(self) -> dict[str, object]:
        """What is kept about this person, for /mydata."""
        messages = self.connection.execute(select(func.count(), func.min(Message.created_at)).where(
            Message.contact_id == self.contact_id, Message.text.is_not(None))).one()
        referrals = self.connection.execute(select(Referral.code, Referral.status).where(
            Referral.contact_id == self.contact_id).order_by(Referral.id)).all()
        return {"messages": messages[0], "since": as_utc(messages[1]) if messages[1] else None,
                "referrals": [(r.code, r.status) for r in referrals]}

    def erase(self) -> None:
        """Everything kept about this person: the contact row, and with it (ON DELETE CASCADE) their
        messages, feedback, questions, referrals and consent decisions; and what waits to be sent to them."""
        self.connection.execute(delete(Contact).where(Contact.id == self.contact_id))
        # News and replies waiting for them (those about a referral went with it).
        self.connection.execute(delete(OutboxMessage).where(OutboxMessage.recipient == self.contact_id))
        self.erased = True

    def save(self, seen: bool = True) -> None:
        """`seen`: the person wrote (news pushed to them is not their being seen)."""
        if self.erased:
            return
        values = {"contact": self.contact_id, "language": self.language, "state": self.state,
                  **({"last_seen_at": now()} if seen else {})}
        if self.address != self._address_kept:
            values["address"] = self.address
        self.connection.execute(_SAVE, values)
        if self._messages:
            self.connection.execute(_LOG, self._messages)


class Conversations:
    def __init__(self, sessions: sessionmaker[Session]):
        self._engine: Engine = sessions.kw["bind"]  # Core transactions: a Session would cost a tenth of a turn

    @contextmanager
    def open(self, contact_id: str, channel: str) -> Iterator[Conversation]:
        """The contact's conversation (created on first contact), saved when the block ends."""
        with self._engine.begin() as connection:
            row = self._locked(connection, contact_id)
            if row is None:  # first contact; a concurrent first message may create it too
                values = {"id": contact_id, "channel": channel, "state": {}, "created_at": now(),
                          "last_seen_at": now()}
                _insert_if_new(connection, Contact, values)
                row = self._locked(connection, contact_id)
            conversation = Conversation(connection, contact_id, row.language, dict(row.state or {}), row.address)
            yield conversation
            conversation.save()

    @contextmanager
    def existing(self, contact_id: str) -> Iterator[Conversation | None]:
        """The contact's conversation, or None if they erased it (or never wrote); saved when the block ends."""
        with self._engine.begin() as connection:
            row = self._locked(connection, contact_id)
            conversation = (Conversation(connection, contact_id, row.language, dict(row.state or {}), row.address)
                            if row else None)
            yield conversation
            if conversation:
                conversation.save(seen=False)

    @staticmethod
    def _locked(connection: Connection, contact_id: str) -> Row | None:
        return connection.execute(_LOCKED, {"contact": contact_id}).first()
