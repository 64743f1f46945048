"""Run the suite with the clock moved: `ALLOT_TEST_CLOCK=2027-03-28T01:30:00+01:00 pytest ...` (`make
test-clocks` runs it at the instants that have broken suites before: around midnight, the DST changes, the
end of a year, 29 February).

tests/settings.py calls `travel_from_environment()`, so the test process and every process a test starts
with the test settings (workers, servers) travel: the clock starts at the instant and ticks on from there.
The first process notes when (in real time) it started travelling in `ALLOT_TEST_CLOCK_STARTED`; a process
started later begins that much after the instant, so all of them share one moved clock. Tests that freeze or
move the clock themselves (time_machine.travel) keep working: travels nest.

Only Python's clock moves: PostgreSQL's now() and Redis expiry keep real time, so code must take "now" from
Python (django.utils.timezone.now) wherever the two would be compared.
"""

from __future__ import annotations

import datetime as dt
import os
import time

CLOCK_VARIABLE = "ALLOT_TEST_CLOCK"
STARTED_VARIABLE = "ALLOT_TEST_CLOCK_STARTED"

_traveller = None


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 instant with an offset (`Z` or `+01:00`); a naive time would be ambiguous."""
    instant = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError(f"{CLOCK_VARIABLE}={text!r} needs an offset, e.g. {text}Z or {text}+01:00")
    return instant


def travel_from_environment() -> dt.datetime | None:
    """Start travelling to ALLOT_TEST_CLOCK (once per process, for the rest of the process); returns the
    instant the clock was moved to, or None when the variable is not set."""
    global _traveller
    text = os.environ.get(CLOCK_VARIABLE, "").strip()
    if not text or _traveller is not None:
        return None
    import time_machine

    instant = parse_instant(text)
    real_now = time.time()
    started = float(os.environ.setdefault(STARTED_VARIABLE, repr(real_now)))
    destination = instant + dt.timedelta(seconds=max(0.0, real_now - started))
    _traveller = time_machine.travel(destination, tick=True)
    _traveller.start()
    return destination
