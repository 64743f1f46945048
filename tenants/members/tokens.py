"""Invitation links: the token is derived from the invitation's salt with the site's secret, so it is never
stored (the database keeps its hash for the lookup, and the outbox only the invitation's id)."""

from __future__ import annotations

import hashlib
import secrets

from django.utils.crypto import salted_hmac


def invitation_salt_new() -> str:
    return secrets.token_hex(16)


def invitation_token(key_salt: str) -> str:
    return salted_hmac("allot.invitation", key_salt, algorithm="sha256").hexdigest()


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
