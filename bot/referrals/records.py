"""Referral records: create one (with its consent, history and notifications, in the caller's
transaction), change its status, read it back. Contact details are sealed (storage/secrets.py)."""

from __future__ import annotations

import datetime
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from bot.knowledge.model import Organization, Service
from bot.referrals.status import CLOSED, NEXT, SENT, TOLD
from bot.storage.models import ERASED, ConsentDecision, OutboxMessage, Referral, ReferralEvent, as_utc, now
from bot.storage.secrets import SecretBox

# Reference codes people read aloud and type on a phone: no 0/O, 1/I/L, U.
CODE_LETTERS = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


class ReferralError(Exception):
    pass


class UnknownReferral(ReferralError):
    """No such referral, or another agency's: the same answer for both, so codes cannot be probed."""


class StepNotAllowed(ReferralError):
    """The referral's status does not allow this step (accepting a closed referral)."""


@dataclass(frozen=True)
class Request:
    """What the newcomer agreed to share, and with whom."""

    contact_id: str
    channel: str
    language: str
    topic: str | None
    organization: Organization
    service: Service | None  # None: the LIP's general inbox
    name: str | None
    phone: str | None  # None: reach them in this chat
    need: str
    consent_text: str


@dataclass(frozen=True)
class ReferralView:
    """A referral as an agency sees it: the sealed details opened."""

    code: str
    status: str
    language: str
    topic: str | None
    organization_id: str
    service_id: str | None
    name: str | None
    phone: str | None
    need: str
    channel: str
    created_at: datetime.datetime
    follow_up_due: datetime.datetime
    history: tuple[tuple[str, str, datetime.datetime, str | None], ...]  # status, actor, when, note

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "status": self.status, "language": self.language, "topic": self.topic,
                "organization": self.organization_id, "service": self.service_id, "name": self.name,
                "phone": self.phone, "reach": "phone" if self.phone else "chat", "need": self.need,
                "channel": self.channel, "created_at": self.created_at.isoformat(),
                "follow_up_due": self.follow_up_due.isoformat(),
                "history": [{"status": s, "actor": a, "at": at.isoformat(), "note": n} for s, a, at, n in self.history]}


def new_code() -> str:
    return "SB-" + "".join(secrets.choice(CODE_LETTERS) for _ in range(6))


def record_consent(connection: Connection, contact_id: str, service_id: str | None, granted: bool,
                   text: str) -> None:
    connection.execute(insert(ConsentDecision).values(contact_id=contact_id, purpose="referral",
                                                      service_id=service_id, granted=granted, text=text,
                                                      created_at=now()))


def create_referral(connection: Connection, box: SecretBox, request: Request, follow_up: datetime.timedelta) -> str:
    """Write the referral, its consent, its first status and its notifications in one transaction
    (the caller's); returns the reference code."""
    at = now()
    code = new_code()
    while connection.execute(select(Referral.id).where(Referral.code == code)).first():
        code = new_code()
    details = box.seal({"name": request.name, "phone": request.phone, "need": request.need})
    referral_id = connection.execute(insert(Referral).values(
        code=code, contact_id=request.contact_id, channel=request.channel, language=request.language,
        topic=request.topic, organization_id=request.organization.id,
        service_id=request.service.id if request.service else None, reach="phone" if request.phone else "chat",
        details=details,
        consent_text=request.consent_text, consented_at=at, status=SENT, follow_up_due=at + follow_up,
        created_at=at, updated_at=at).returning(Referral.id)).scalar_one()
    record_consent(connection, request.contact_id, request.service.id if request.service else None, True,
                   request.consent_text)
    connection.execute(insert(ReferralEvent).values(referral_id=referral_id, status=SENT, actor="newcomer",
                                                    note=None, created_at=at))
    for kind in notification_kinds(request.organization):
        enqueue(connection, kind, request.organization.id, {"event": "referral.created"}, referral_id)
    return code


def notification_kinds(organization: Organization) -> list[str]:
    """How an agency hears of a referral: always by email, and by webhook and in its Telegram group
    if it has them."""
    return ["email", *(["webhook"] if organization.webhook_url else []),
            *(["telegram"] if organization.telegram_chat else [])]


def enqueue(connection: Connection, kind: str, recipient: str, payload: dict, referral_id: int | None) -> str:
    """Queue a notification; returns its idempotency key."""
    key = uuid.uuid4().hex
    connection.execute(insert(OutboxMessage).values(
        key=key, kind=kind, recipient=recipient, referral_id=referral_id, payload=payload,
        attempts=0, next_attempt_at=now(), created_at=now()))
    return key


def change_status(connection: Connection, code: str, organization_id: str | None, status: str, actor: str,
                  note: str | None = None) -> str:
    """Move the referral `code` (of `organization_id`, when an agency acts) to `status`; tell the
    newcomer when it matters to them. Returns the new status; raises ReferralError (unknown code,
    another agency's referral, or a step that is not allowed)."""
    query = select(Referral.id, Referral.status, Referral.contact_id, Referral.channel, Referral.organization_id,
                   Referral.reach)
    row = connection.execute(query.where(Referral.code == code).with_for_update()).first()
    if row is None or (organization_id is not None and row.organization_id != organization_id):
        raise UnknownReferral(f"no referral {code}")
    if status not in NEXT[row.status]:
        raise StepNotAllowed(f"referral {code} is {row.status}; it cannot become {status}")
    at = now()
    connection.execute(update(Referral).where(Referral.id == row.id).values(status=status, updated_at=at))
    connection.execute(insert(ReferralEvent).values(referral_id=row.id, status=status, actor=actor, note=note,
                                                    created_at=at))
    if status in TOLD:
        enqueue(connection, f"push:{row.channel}", row.contact_id,
                {"event": f"referral.{status}", "code": code, "organization": row.organization_id,
                 "reach": row.reach}, row.id)
    return status


def view(connection: Connection, box: SecretBox, code: str) -> ReferralView | None:
    referral = connection.execute(select(Referral).where(Referral.code == code)).first()
    if referral is None:
        return None
    events = connection.execute(select(ReferralEvent.status, ReferralEvent.actor, ReferralEvent.created_at,
                                       ReferralEvent.note).where(ReferralEvent.referral_id == referral.id)
                                .order_by(ReferralEvent.id)).all()
    erased = referral.details == ERASED
    details = {"need": "(erased after the retention period)"} if erased else box.open(referral.details)
    return ReferralView(referral.code, referral.status, referral.language, referral.topic, referral.organization_id,
                        referral.service_id, details.get("name"), details.get("phone"), details.get("need", ""),
                        referral.channel, as_utc(referral.created_at), as_utc(referral.follow_up_due),
                        tuple((e.status, e.actor, as_utc(e.created_at), e.note) for e in events))


# Run at every message of every person: built once (see storage/conversations.py).
_NOTICES = (select(OutboxMessage.id, OutboxMessage.payload)
            .where(OutboxMessage.recipient == bindparam("contact"), OutboxMessage.kind.startswith("push:"),
                   OutboxMessage.delivered_at.is_(None),
                   or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= bindparam("at")))
            .order_by(OutboxMessage.id).with_for_update(skip_locked=True))
_TAKEN = (update(OutboxMessage).where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))
          .values(delivered_at=bindparam("at"), locked_until=None))


def take_notices(connection: Connection, contact_id: str) -> list[dict]:
    """The person's undelivered news (agency answers, follow-up questions), marked delivered: for
    a channel that cannot push, the dialogue shows them at the person's next message."""
    at = now()
    rows = connection.execute(_NOTICES, {"contact": contact_id, "at": at}).all()
    if rows:
        connection.execute(_TAKEN, {"ids": [r.id for r in rows], "at": at})
    return [dict(r.payload) for r in rows]


def note_reached(connection: Connection, code: str, contact_id: str, reached: bool) -> None:
    """The newcomer's answer to "did the agency contact you?", in the referral's history."""
    row = connection.execute(select(Referral.id, Referral.status).where(
        Referral.code == code, Referral.contact_id == contact_id)).first()
    if row is not None:
        connection.execute(insert(ReferralEvent).values(
            referral_id=row.id, status=row.status, actor="newcomer",
            note="the agency contacted them" if reached else "the agency has not contacted them", created_at=now()))


def assign(connection: Connection, code: str, organization: Organization, service: Service | None,
           actor: str) -> None:
    """Hand a referral to another agency (the LIP desk forwarding what no partner matched): it
    starts again as sent, and the new agency is notified; the history keeps the move."""
    row = connection.execute(select(Referral.id, Referral.status, Referral.organization_id)
                             .where(Referral.code == code).with_for_update()).first()
    if row is None:
        raise UnknownReferral(f"no referral {code}")
    if row.status in (CLOSED,):
        raise StepNotAllowed(f"referral {code} is closed")
    at = now()
    connection.execute(update(Referral).where(Referral.id == row.id).values(
        organization_id=organization.id, service_id=service.id if service else None, status=SENT, updated_at=at))
    connection.execute(insert(ReferralEvent).values(
        referral_id=row.id, status=SENT, actor=actor, note=f"assigned from {row.organization_id} to {organization.id}",
        created_at=at))
    for kind in notification_kinds(organization):
        enqueue(connection, kind, organization.id, {"event": "referral.created"}, row.id)
