"""Contact details at rest: encrypted (Fernet: AES-128-CBC with an HMAC) under a key derived from
SETTLEBOT_SECRET_KEY, so that a copy of the database alone reveals no name or phone number."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class SecretBox:
    def __init__(self, secret_key: bytes, purpose: bytes = b"settlebot contact details"):
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret_key)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, value: dict) -> str:
        return self._fernet.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode("ascii")

    def open(self, sealed: str) -> dict:
        """Raises ValueError when the key is not the one the value was sealed with."""
        try:
            return json.loads(self._fernet.decrypt(sealed.encode("ascii")))
        except InvalidToken:
            raise ValueError("cannot decrypt: SETTLEBOT_SECRET_KEY is not the key these details were stored "
                             "under") from None


def derive_key(secret_key: bytes, purpose: str) -> str:
    """A key of its own for one purpose (a link, an agency's webhook, Telegram's webhook), derived
    from SETTLEBOT_SECRET_KEY: nothing more to configure, and none reveals another."""
    return hmac.new(secret_key, purpose.encode(), hashlib.sha256).hexdigest()
