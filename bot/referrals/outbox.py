"""The outbox worker: delivers the notifications that referrals wrote, with retries and backoff.

A notification is claimed with a lease (`locked_until`) in a short transaction, delivered outside
it, then marked delivered or given its next attempt. A worker that dies mid-delivery leaves the
lease to run out, and any worker delivers it again: at least once, with the same idempotency key,
so a receiver can drop the duplicate. On PostgreSQL several workers claim with SKIP LOCKED and never
hold the same notification at once; on SQLite claims are serialised by the write lock."""

from __future__ import annotations

import datetime
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Notifications
from bot.referrals.records import ReferralView, enqueue, view
from bot.referrals.status import ACCEPTED, ACKNOWLEDGED, SENT
from bot.storage.models import OutboxMessage, Referral, now
from bot.storage.secrets import SecretBox

log = logging.getLogger("settlebot.outbox")
AT_MOST_PER_RUN = 50
FOLLOW_UPS_EVERY = datetime.timedelta(minutes=1)
SET_ASIDE = object()  # what _claim returns for a notification it could not read


class DeliveryError(Exception):
    """The receiver could not take it now; try again later."""


class Unreachable(DeliveryError):
    """The newcomer's chat or number is gone (they blocked the bot, the number is no longer
    theirs): no retry will help; news waits for their next message."""


@dataclass(frozen=True)
class Delivery:
    outbox_id: int
    key: str  # idempotency key: the same on every attempt
    kind: str
    recipient: str  # organization id, or contact id for push
    payload: dict
    referral: ReferralView | None
    attempt: int  # this claim's number: also its token

class Notifier(Protocol):
    kind: str

    def deliver(self, delivery: Delivery) -> None:
        """Deliver or raise; raising schedules another attempt."""


class OutboxWorker:
    def __init__(self, sessions: sessionmaker[Session], box: SecretBox, notifiers: list[Notifier],
                 policy: Notifications, clock: Callable[[], datetime.datetime] = now):
        self._sessions = sessions
        self._box = box
        self._notifiers = {n.kind: n for n in notifiers}
        self._policy = policy
        self._now = clock
        self._follow_ups_checked: datetime.datetime | None = None

    def run_once(self, keys: list[str] | None = None) -> int:
        """Ask due follow-ups, then deliver what is due (only `keys`, if given), one notification
        at a time so that each is held only while it is being sent; how many were delivered."""
        at = self._now()
        # Follow-ups fall due by the day: looking once a minute, not on every idle second, spares
        # the database a write transaction per second per process.
        if self._follow_ups_checked is None or at - self._follow_ups_checked >= FOLLOW_UPS_EVERY:
            self._follow_ups_checked = at
            self.schedule_follow_ups()
        delivered = 0
        for _ in range(AT_MOST_PER_RUN):
            delivery = self._claim(keys)
            if delivery is None:
                break
            if isinstance(delivery, Delivery):
                delivered += self._deliver(delivery)
        return delivered

    def run(self, stop: threading.Event, idle: float = 1.0) -> None:
        """Until `stop` is set: deliver, and sleep `idle` seconds whenever nothing is due."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a database hiccup must not end the worker: it tries again
                log.exception("the outbox worker failed; it tries again in %s s", idle)
                busy = 0
            if not busy:
                stop.wait(idle)

    def due(self) -> int:
        """How many notifications this worker could deliver now or later (not yet delivered)."""
        with self._sessions() as session:
            return session.execute(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.delivered_at.is_(None), OutboxMessage.kind.in_(self._notifiers))).scalar_one()

    def schedule_follow_ups(self) -> None:
        """Referrals whose follow-up date has come: ask the newcomer whether the agency reached them."""
        at = self._now()
        with self._sessions.begin() as session:
            connection = session.connection()
            due = connection.execute(select(Referral.id, Referral.code, Referral.channel, Referral.contact_id,
                                            Referral.organization_id)
                                     .where(Referral.follow_up_due <= at, Referral.followed_up_at.is_(None),
                                            Referral.status.in_((SENT, ACKNOWLEDGED, ACCEPTED)))
                                     .with_for_update(skip_locked=True)).all()
            for row in due:
                enqueue(connection, f"push:{row.channel}", row.contact_id,
                        {"event": "referral.follow_up", "code": row.code, "organization": row.organization_id},
                        row.id)
                connection.execute(update(Referral).where(Referral.id == row.id).values(followed_up_at=at))

    def _claim(self, keys: list[str] | None) -> Delivery | object | None:
        """Take one due notification under a lease, or None. A row that cannot be read (details
        sealed under another key) is set aside with its error, not left to block the rest."""
        at = self._now()
        with self._sessions.begin() as session:
            connection = session.connection()
            query = select(OutboxMessage).where(
                OutboxMessage.delivered_at.is_(None), OutboxMessage.kind.in_(self._notifiers),
                OutboxMessage.next_attempt_at <= at,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= at))
            if keys is not None:
                query = query.where(OutboxMessage.key.in_(keys))
            row = connection.execute(query.order_by(OutboxMessage.id).limit(1)
                                     .with_for_update(skip_locked=True)).first()
            if row is None:
                return None
            attempt = row.attempts + 1
            connection.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                               .values(locked_until=at + self._policy.lease, attempts=attempt))
            try:
                referral = self._referral(connection, row.referral_id)
            except ValueError as error:
                connection.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
                    locked_until=None, last_error=str(error), next_attempt_at=at + self._policy.retry_most))
                log.error("%s to %s cannot be read: %s", row.kind, row.recipient, error)
                return SET_ASIDE
            return Delivery(row.id, row.key, row.kind, row.recipient, dict(row.payload), referral, attempt)

    def _referral(self, connection: Connection, referral_id: int | None) -> ReferralView | None:
        if referral_id is None:
            return None
        code = connection.execute(select(Referral.code).where(Referral.id == referral_id)).scalar_one()
        return view(connection, self._box, code)

    def _deliver(self, delivery: Delivery) -> int:
        try:
            self._notifiers[delivery.kind].deliver(delivery)
        except Exception as error:  # any failure: the notification waits for its next attempt
            wait = min(self._policy.retry_first * 2 ** (delivery.attempt - 1), self._policy.retry_most)
            wait *= random.uniform(0.8, 1.2)  # workers that failed together do not retry together
            log.warning("%s to %s failed (attempt %d): %s; next try in %.0f s", delivery.kind, delivery.recipient,
                        delivery.attempt, error, wait.total_seconds())
            self._finish(delivery, next_attempt_at=self._now() + wait, locked_until=None, last_error=str(error)[:500])
            return 0
        self._finish(delivery, delivered_at=self._now(), locked_until=None, last_error=None)
        return 1

    def _finish(self, delivery: Delivery, **values: object) -> None:
        with self._sessions.begin() as session:
            # Only if no other worker has claimed it since (after this one's lease ran out): the
            # attempt count is the claim's token.
            session.connection().execute(update(OutboxMessage).where(and_(
                OutboxMessage.id == delivery.outbox_id, OutboxMessage.attempts == delivery.attempt,
                OutboxMessage.delivered_at.is_(None))).values(**values))
