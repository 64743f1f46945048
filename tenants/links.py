"""Absolute links to a tenant's site, for emails (there is no request to build them from)."""

from __future__ import annotations

from django.conf import settings


def tenant_url(tenant, path: str) -> str:
    """https://<tenant's primary domain>[:port]<path>."""
    domain = getattr(tenant, "_primary_domain", None)
    if domain is None:
        primary = tenant.domains.filter(is_primary=True).values_list("domain", flat=True).first()
        domain = primary or f"{tenant.slug}.{settings.ALLOT_ROOT_DOMAIN}"
        tenant._primary_domain = domain
    port = f":{settings.ALLOT_PUBLIC_PORT}" if settings.ALLOT_PUBLIC_PORT else ""
    return f"{settings.ALLOT_PUBLIC_SCHEME}://{domain}{port}{path}"
