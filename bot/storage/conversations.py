"""The dialogue's view of the database: one transaction per inbound message, holding the
contact's row locked so that two workers never interleave one person's turns."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import Contact, Feedback, Message, UnansweredQuestion, now


class Conversation:
    def __init__(self, session: Session, contact: Contact):
        self._session = session
        self._contact = contact
        self.language: str | None = contact.language
        self.state: dict = dict(contact.state or {})

    def log(self, inbound: bool, text: str, language: str | None, intent: str | None = None) -> None:
        self._session.add(Message(contact_id=self._contact.id, inbound=inbound, text=text, language=language,
                                  intent=intent))

    def feedback(self, entry: str, helpful: bool) -> None:
        self._session.add(Feedback(contact_id=self._contact.id, entry_id=entry, helpful=helpful))

    def unanswered(self, text: str, language: str | None, intent: str | None) -> None:
        self._session.add(UnansweredQuestion(contact_id=self._contact.id, text=text, language=language,
                                             intent=intent))

    def _save(self) -> None:
        self._contact.language = self.language
        self._contact.state = self.state  # a new dict: SQLAlchemy sees a JSON column change only on assignment
        self._contact.last_seen_at = now()


class Conversations:
    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions

    @contextmanager
    def open(self, contact_id: str, channel: str) -> Iterator[Conversation]:
        """The contact's conversation (created on first contact), saved when the block ends."""
        with self._sessions.begin() as session:
            contact = session.get(Contact, contact_id, with_for_update=True)
            if contact is None:
                contact = Contact(id=contact_id, channel=channel, state={})
                session.add(contact)
            conversation = Conversation(session, contact)
            yield conversation
            conversation._save()
