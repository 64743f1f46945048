"""Leaving the platform: an owner exports the organisation's data (a zip built by the worker pool, linked by
email) and closes the organisation (offline at once, deleted after a grace period unless platform staff
restore it first). Services in `services`, the zip in `exports`, the worker actors in `tasks`."""
