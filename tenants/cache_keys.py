"""Cache keys: one tenant's cached data never answers for another, except about accounts, which every host
shares.

allauth keeps its login rate limits and the TOTP codes already used in the cache. Keyed per tenant schema
(django-tenants' key function), an attacker could try five passwords per account on every tenant's host,
and replay a code just used on one host on another. Those keys are platform-wide instead.
"""

from __future__ import annotations

from django_tenants.cache import make_key as tenant_key

PLATFORM_WIDE_PREFIXES = ("allauth",)
PLATFORM_WIDE_SCHEMA = "*"


def make_key(key: str, key_prefix: str, version) -> str:
    if key.startswith(PLATFORM_WIDE_PREFIXES):
        return f"{PLATFORM_WIDE_SCHEMA}:{key_prefix}:{version}:{key}"
    return tenant_key(key, key_prefix, version)
