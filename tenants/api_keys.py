"""API keys: creation (the secret is shown once), revocation, and authenticating requests with them.

A key looks like `allot_<prefix>.<secret>`; the prefix finds the row, the secret is compared by hash
in constant time. A key only ever works on its own tenant's host.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from allot.errors import ApplicationError
from tenants.audit import field_values, platform_audit_record
from tenants.models import ApiKey, Tenant

HEADER_PREFIX = "Api-Key"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(*, tenant: Tenant, name: str, role: str = ApiKey.Role.STAFF, created_by=None) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the full key text, which is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the key a name."), fields={"name": [_("Required.")]})
    if role not in ApiKey.Role.values:
        raise ApplicationError(_("Unknown role."), fields={"role": [_("Unknown role.")]})
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(tenant=tenant, name=name, prefix=prefix, secret_hash=_hash(secret), role=role,
                                    created_by=created_by)
        platform_audit_record(actor=created_by, action="api_key.created", obj=key, tenant_id=tenant.pk,
                              after=field_values(key, ["name", "prefix", "role"]))
    return key, f"allot_{prefix}.{secret}"


def api_key_revoke(*, key: ApiKey, actor=None) -> ApiKey:
    if key.revoked_at is None:
        with transaction.atomic():
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            platform_audit_record(actor=actor, action="api_key.revoked", obj=key, tenant_id=key.tenant_id,
                                  before={"revoked_at": None}, after=field_values(key, ["revoked_at"]))
    return key


class ApiKeyUser:
    """What `request.user` is for a request authenticated by an API key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, key: ApiKey):
        self.key = key
        self.email = f"api-key:{key.prefix}"

    def __str__(self):
        return str(self.key)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="ignore")
        if not header.startswith(HEADER_PREFIX + " "):
            return None
        presented = header[len(HEADER_PREFIX) + 1:].strip()
        if not presented.startswith("allot_") or "." not in presented:
            raise exceptions.AuthenticationFailed(_("Malformed API key."))
        prefix, _dot, secret = presented[len("allot_"):].partition(".")
        key = ApiKey.objects.filter(prefix=prefix).select_related("tenant").first()
        tenant = getattr(connection, "tenant", None)
        if (
            key is None
            or not hmac.compare_digest(key.secret_hash, _hash(secret))
            or not key.is_active
            or tenant is None
            or key.tenant_id != tenant.pk
        ):
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        now = timezone.now()
        # Remember use at most once a minute: a write per request would cost more than the request.
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - timedelta(minutes=1))
        ApiKey.objects.filter(stale, pk=key.pk).update(last_used_at=now)
        return ApiKeyUser(key), key

    def authenticate_header(self, request):
        return HEADER_PREFIX


class ApiKeySchema(OpenApiAuthenticationExtension):
    """How API keys appear in the OpenAPI document."""

    target_class = "tenants.api_keys.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Api-Key allot_<prefix>.<secret>`, created in the back office."}
