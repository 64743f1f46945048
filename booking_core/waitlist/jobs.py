"""The waitlist's per-tenant job (every minute, registered as "waitlist.offers_expire" in BookingCoreConfig.ready).

Sent offers whose time is up expire (their places go to the next candidate), prepared offers nobody released
before their place started are withdrawn, and entries for places in the past are closed. Like every job it
reads the tenant it runs in once, here, and passes it to the service as `tenant=`.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from booking_core.waitlist.services.offers import offers_expire_due


def waitlist_offers_expire(now: dt.datetime | None = None) -> int:
    """Expire, withdraw and close what is due in this tenant; returns how many offers and entries were handled."""
    return offers_expire_due(tenant=connection.tenant, now=now)
