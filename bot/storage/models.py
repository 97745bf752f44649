"""The tables. Contacts are stored under a pseudonym (a keyed hash of channel and external id):
the raw phone number or Telegram id is never written. Message text is kept only for the retention
period; `settlebot purge` blanks it and keeps the rest for reports."""

from __future__ import annotations

import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Base(DeclarativeBase):
    pass


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # see pseudonym.contact_id
    channel: Mapped[str] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[dict] = mapped_column(JSON, default=dict)  # the dialogue's state for this person
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
