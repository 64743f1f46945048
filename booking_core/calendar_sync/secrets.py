"""Secrets of calendar connections, encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key is ALLOT_ENCRYPTION_KEY (a Fernet key: 32 url-safe base64-encoded bytes, `allot` prints none; make one
with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`). Without it
the key is derived from SECRET_KEY (SHA-256 of a fixed label and the secret key), so changing SECRET_KEY then
makes the stored secrets unreadable: the connections show a failure and have to be connected again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored secret cannot be decrypted with the current key (the key changed)."""


def _fernet() -> Fernet:
    key = getattr(settings, "ALLOT_ENCRYPTION_KEY", "") or ""
    if not key:
        digest = hashlib.sha256(b"allot.calendar_sync.secrets:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def secret_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("the stored password cannot be decrypted (the encryption key changed)") from None
