"""Messages a provider took to deliver later (an SMS pushed through Twilio's REST API), and the
status it reports of each (Twilio's status callback). A message reported failed puts its
notification back in the outbox: it is tried again, and shown at the person's next message."""

from __future__ import annotations

import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import OutboxMessage, SentMessage, now

# Reports may arrive out of order ("sent" after "delivered"): a status never goes back to an
# earlier one, and a final one (4) is not replaced by another final one.
PROGRESS = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4,
            "undelivered": 4, "failed": 4, "canceled": 4, "partially_delivered": 4, "read": 5}
FINAL = 4
FAILED = ("undelivered", "failed", "canceled")


class SentMessages:
    def __init__(self, sessions: sessionmaker[Session]):
        self._engine: Engine = sessions.kw["bind"]

    def taken(self, channel: str, contact_id: str, provider_id: str, status: str, outbox_id: int) -> None:
        """The provider took the message to `contact_id`, delivering notification `outbox_id`,
        under its own id `provider_id`."""
        with self._engine.begin() as connection:
            connection.execute(insert(SentMessage).values(provider_id=provider_id, channel=channel,
                                                          contact_id=contact_id, outbox_id=outbox_id, status=status,
                                                          created_at=now(), updated_at=now()))

    def reported(self, provider_id: str, status: str, error_code: str | None,
                 retry_after: datetime.timedelta) -> str | None:
        """The provider's news of a message: recorded unless it is older than what it said before;
        a failure puts the notification back in the outbox, due after `retry_after`. The contact
        it went to; None for a message not sent from here (or erased with its contact since)."""
        with self._engine.begin() as connection:
            row = connection.execute(select(SentMessage.status, SentMessage.outbox_id, SentMessage.contact_id)
                                     .where(SentMessage.provider_id == provider_id).with_for_update()).first()
            if row is None:
                return None
            known, new = PROGRESS.get(row.status, 0), PROGRESS.get(status, 0)
            if new < known or (known == FINAL == new and status != row.status):
                return row.contact_id
            connection.execute(update(SentMessage).where(SentMessage.provider_id == provider_id)
                               .values(status=status, error_code=error_code or None, updated_at=now()))
            if status in FAILED and row.status not in FAILED and row.outbox_id is not None:
                connection.execute(update(OutboxMessage).where(OutboxMessage.id == row.outbox_id).values(
                    delivered_at=None, locked_until=None, next_attempt_at=now() + retry_after,
                    last_error=f"the provider reported it {status} (error {error_code or 'not given'})"))
            return row.contact_id
