"""The tables. Contacts are stored under a pseudonym (a keyed hash of channel and external id):
the raw phone number or Telegram id is never written in the clear. Message text is kept only for the retention
period; `settlebot purge` blanks it and keeps the rest for reports."""

from __future__ import annotations

import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


ERASED = ""  # Referral.details once `settlebot purge` has erased them


def as_utc(value: datetime.datetime) -> datetime.datetime:
    """A stored time, aware: SQLite gives back the UTC time it was given without its zone."""
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


class Base(DeclarativeBase):
    pass


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # see pseudonym.contact_id
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[dict] = mapped_column(JSON, default=dict)  # the dialogue's state for this person
    # On channels that can push (Telegram, SMS): the chat id or number, sealed (storage/secrets.py),
    # so that an agency's answer reaches the person at once. Erased with the contact, or by
    # `settlebot purge` once nothing is left to tell them.
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_seen_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    inbound: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str | None] = mapped_column(Text)  # None once purged
    language: Mapped[str | None] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str] = mapped_column(String(64), index=True)
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class UnansweredQuestion(Base):
    """What people asked that the knowledge base could not answer: the staff's to-do list."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    text: Mapped[str | None] = mapped_column(Text)  # None once purged
    language: Mapped[str | None] = mapped_column(String(16))
    intent: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class Referral(Base):
    """A hand-off to a partner agency, as information-and-referral standards (AIRS) record one."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # what the newcomer and the agency quote
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(64))
    organization_id: Mapped[str] = mapped_column(String(64), index=True)  # the agency, or the LIP's desk
    service_id: Mapped[str | None] = mapped_column(String(128))  # None: the LIP's desk (general_inbox)
    reach: Mapped[str] = mapped_column(String(8))  # "phone" or "chat": how the newcomer wants to be reached
    details: Mapped[str] = mapped_column(Text)  # encrypted (storage/secrets.py): name, phone, the need; or ERASED
    consent_text: Mapped[str] = mapped_column(Text)  # exactly what the newcomer agreed to
    consented_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), index=True)
    follow_up_due: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), index=True)
    followed_up_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class ReferralEvent(Base):
    """A referral's history: every status, who set it and when."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))  # "newcomer", "agency:<id>", "staff", "system"
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class ConsentDecision(Base):
    """Every yes and every no to sharing details, with the words the person was shown."""

    __tablename__ = "consent_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[str | None] = mapped_column(String(128))
    granted: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class OutboxMessage(Base):
    """A notification to deliver, written in the same transaction as what caused it; a worker
    delivers it with retries, so a crash or an outage loses nothing."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # idempotency key, sent with it
    kind: Mapped[str] = mapped_column(String(32), index=True)  # "email", "webhook", "push:<channel>"
    recipient: Mapped[str] = mapped_column(String(128), index=True)  # an organization id, or a contact id
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    locked_until: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)


class AgencyToken(Base):
    """An agency's API token, kept only as a hash: shown once when made."""

    __tablename__ = "agency_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(String(64), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
    revoked_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True))


class InboundDelivery(Base):
    """Each delivery a channel has handed in (a Telegram update_id, a Twilio MessageSid): a platform
    that delivers the same one twice gets no second reply and no second referral."""

    __tablename__ = "inbound_deliveries"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # What was answered, where the platform takes the answer in its request (Twilio's TwiML): a
    # repeated MessageSid gets the same answer, not a second turn. `settlebot purge` deletes old ones.
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class SentMessage(Base):
    """A message a provider took to deliver later (an SMS pushed through Twilio's REST API), with
    the last status it reported (Twilio's status callback): queued, sent, delivered, undelivered,
    failed. Gone with the contact."""

    __tablename__ = "sent_messages"

    provider_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Twilio's MessageSid
    channel: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    # The notification it delivered: sent again if the provider reports the message failed.
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))  # the provider's, for a failed one
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    updated_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=now)
