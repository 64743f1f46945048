"""The one-time login hand-off from the root domain to a new organisation's host.

Sessions are host-only (a login on one host is never a login on another), so right after signing up the owner
is signed in on their own subdomain with a token instead: random, valid for ALLOT_SIGNUP_HANDOFF_SECONDS, kept
in Redis only as a SHA-256 hash with the user and the tenant's schema, and consumed atomically by the first
request that presents it (GET and DEL in one MULTI), on whichever host that is: a used, expired or other
host's token is refused and is gone.
"""

from __future__ import annotations

import enum
import hashlib
import json
import secrets
import time
from dataclasses import dataclass

from django.conf import settings

from allot.redis import get_redis, key

TOKEN_BYTES = 32


def _now() -> float:
    return time.time()


class HandoffRefusal(enum.Enum):
    UNKNOWN = "unknown"  # never issued, or used already
    EXPIRED = "expired"
    OTHER_HOST = "other_host"


@dataclass(frozen=True)
class HandoffResult:
    user_id: int | None = None
    refusal: HandoffRefusal | None = None


def _storage_key(token: str) -> str:
    return key("signup", "handoff", hashlib.sha256(token.encode()).hexdigest())


def handoff_issue(*, user, tenant) -> str:
    """A fresh token that signs `user` in once on `tenant`'s host within the next few seconds."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    seconds = settings.ALLOT_SIGNUP_HANDOFF_SECONDS
    value = json.dumps({"user_id": user.pk, "schema": tenant.schema_name, "expires_at": _now() + seconds})
    get_redis().set(_storage_key(token), value, ex=seconds)
    return token


def handoff_consume(*, token: str, schema_name: str) -> HandoffResult:
    """Use up `token` on the host of `schema_name`: the user to sign in, or why not."""
    if not token or len(token) > 200:
        return HandoffResult(refusal=HandoffRefusal.UNKNOWN)
    pipeline = get_redis().pipeline(transaction=True)
    storage_key = _storage_key(token)
    pipeline.get(storage_key)
    pipeline.delete(storage_key)
    stored, _deleted = pipeline.execute()
    if stored is None:
        return HandoffResult(refusal=HandoffRefusal.UNKNOWN)
    value = json.loads(stored)
    if value["expires_at"] < _now():
        return HandoffResult(refusal=HandoffRefusal.EXPIRED)
    if value["schema"] != schema_name:
        return HandoffResult(refusal=HandoffRefusal.OTHER_HOST)
    return HandoffResult(user_id=value["user_id"])
