"""The programmes' per-tenant job (every minute, registered as "programmes.tick" in ProgrammesConfig.ready).

1. Sent place offers whose time is up expire, and their places go to the next one waiting.
2. Programmes whose sign-up window has closed are processed once: a batch programme is allocated (unless
   staff run it themselves), and groups below the minimum size are flagged for a decision.

Both are safe to run twice at once: each offer and programme is re-checked under its row locks.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection
from django.utils import timezone

from booking_core.programmes.due import windows_to_close
from booking_core.programmes.services.allocation_run import programme_close_window
from booking_core.programmes.services.offers import place_offers_expire

logger = logging.getLogger(__name__)


def programmes_tick(now: dt.datetime | None = None) -> int:
    """Expire offers and process closed windows; returns how many offers and programmes were handled."""
    tenant = connection.tenant
    now = now or timezone.now()
    handled = place_offers_expire(tenant=tenant, now=now)
    closed = windows_to_close().filter(signup_closes_at__lte=now).order_by("signup_closes_at", "id")
    failed = []
    for programme in closed:
        try:
            outcome = programme_close_window(tenant=tenant, programme=programme, now=now)
        except Exception:  # one broken programme must not hold up the others; the run is marked failed below
            logger.exception("closing the window of programme %s failed", programme.pk)
            failed.append(programme.pk)
            continue
        logger.info("programme %s window closed: %s", programme.pk, outcome)
        handled += 1
    if failed:
        raise RuntimeError(f"closing the sign-up window failed for programmes {failed}")
    return handled
