"""Keys derived from SETTLEBOT_SECRET_KEY for what agencies hold: the key in a referral email's
link (it lets that email's reader act on that one referral), and each agency's webhook secret; and
the signature on what settlebot posts (and on what a generic SMS gateway posts to it)."""

from __future__ import annotations

import hashlib
import hmac
import time

from bot.storage.secrets import derive_key


def link_key(secret_key: bytes, organization_id: str, code: str) -> str:
    return derive_key(secret_key, f"link\0{organization_id}\0{code}")[:32]


def agency_link(public_url: str, secret_key: bytes, organization_id: str, code: str) -> str:
    return f"{public_url}/agency/r/{code}?key={link_key(secret_key, organization_id, code)}"


def webhook_secret(secret_key: bytes, organization_id: str) -> str:
    """The agency's own secret for checking webhook signatures (`settlebot agencies secret ORG`)."""
    return derive_key(secret_key, f"webhook\0{organization_id}")


def signature(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The X-Settlebot-Signature header: t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">. The time
    is signed too, so that a receiver can refuse an old message replayed (docs/agencies.md)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signed_recently(secret: str, body: bytes, header: str, tolerance_seconds: int = 300) -> bool:
    """Whether `header` is `signature(secret, body)` made less than `tolerance_seconds` ago: what
    settlebot checks of what others post to it in the same scheme (a generic SMS gateway)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, body, timestamp).encode(), header.strip().encode())
