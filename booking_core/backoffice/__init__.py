"""The operators' back office at /office/ on a tenant's host (HTTP only: views and templates).

For now only its home page: where a new owner lands after signing up. The back office proper comes later."""
