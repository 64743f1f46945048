"""Actors and renderers the worker pool needs from booking_core (imported by allot.workers.entry)."""

from booking_core.messages import booking_emails  # noqa: F401  (registers the booking email renderers)
