"""Agency API tokens: random, shown once, kept only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import Connection, insert, select, update

from bot.storage.models import AgencyToken, now


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(connection: Connection, organization_id: str) -> str:
    token = "sbt_" + secrets.token_urlsafe(32)
    connection.execute(insert(AgencyToken).values(organization_id=organization_id, token_hash=_hash(token),
                                                  created_at=now()))
    return token


def revoke_all(connection: Connection, organization_id: str) -> int:
    result = connection.execute(update(AgencyToken).where(AgencyToken.organization_id == organization_id,
                                                          AgencyToken.revoked_at.is_(None)).values(revoked_at=now()))
    return result.rowcount


def organization_of(connection: Connection, token: str) -> str | None:
    return connection.execute(select(AgencyToken.organization_id).where(
        AgencyToken.token_hash == _hash(token), AgencyToken.revoked_at.is_(None))).scalar()
