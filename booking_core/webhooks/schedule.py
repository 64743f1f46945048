"""When a failed webhook delivery is tried again: the Standard Webhooks schedule, stretched to about three
days, each wait with ±10% jitter so that many deliveries failing together do not come back together."""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings

# After the 1st, 2nd, ... failed attempt. Sum: about 75 hours.
RETRY_WAITS = (
    dt.timedelta(seconds=5), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2),
    dt.timedelta(hours=5), dt.timedelta(hours=10), dt.timedelta(hours=14), dt.timedelta(hours=20),
    dt.timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_WAITS) + 1


def retry_wait(attempts: int) -> dt.timedelta:
    base = RETRY_WAITS[min(max(attempts, 1), len(RETRY_WAITS)) - 1] * settings.ALLOT_WEBHOOK_RETRY_SCALE
    return base * random.uniform(0.9, 1.1)
