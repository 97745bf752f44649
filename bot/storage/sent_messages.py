"""Messages a provider took to deliver later (an SMS pushed through Twilio's REST API), and the
status it reports of each (Twilio's status callback)."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import SentMessage, now

# Reports may arrive out of order ("sent" after "delivered"): a status never goes back to an earlier one.
PROGRESS = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3,
            "delivered": 4, "undelivered": 4, "failed": 4, "read": 5}
FAILED = ("undelivered", "failed")


class SentMessages:
    def __init__(self, sessions: sessionmaker[Session]):
        self._engine: Engine = sessions.kw["bind"]

    def taken(self, channel: str, contact_id: str, provider_id: str, status: str) -> None:
        """The provider took the message to `contact_id` under its id `provider_id`."""
        with self._engine.begin() as connection:
            connection.execute(insert(SentMessage).values(provider_id=provider_id, channel=channel,
                                                          contact_id=contact_id, status=status,
                                                          created_at=now(), updated_at=now()))

    def reported(self, provider_id: str, status: str, error_code: str | None) -> bool:
        """The provider's news of a message: recorded unless it is older than what it said before.
        False for a message not sent from here (or erased with its contact since)."""
        with self._engine.begin() as connection:
            known = connection.execute(select(SentMessage.status).where(SentMessage.provider_id == provider_id)
                                       .with_for_update()).scalar()
            if known is None:
                return False
            if PROGRESS.get(status, 0) >= PROGRESS.get(known, 0):
                connection.execute(update(SentMessage).where(SentMessage.provider_id == provider_id)
                                   .values(status=status, error_code=error_code or None, updated_at=now()))
            return True
