"""Contact pseudonyms: HMAC-SHA256 of channel and external id under the deployment's secret key.
The same person on the same channel always maps to the same row; without the key, the table
says nothing about who they are."""

from __future__ import annotations

import hashlib
import hmac


def contact_id(secret_key: bytes, channel: str, external_id: str) -> str:
    return hmac.new(secret_key, f"{channel}\0{external_id}".encode(), hashlib.sha256).hexdigest()
