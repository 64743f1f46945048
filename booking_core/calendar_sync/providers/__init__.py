"""Calendar providers by name (CalendarConnection.provider). Only providers with tests against a real server are
listed; README "Calendar sync" says how Google Calendar and Microsoft 365 fit in."""

from __future__ import annotations

from booking_core.calendar_sync.providers.base import CalendarProvider, ConnectionDetails, ProviderError


def provider_for(details: ConnectionDetails) -> CalendarProvider:
    if details.provider == "caldav":
        from booking_core.calendar_sync.providers.caldav import CalDavProvider

        return CalDavProvider(details)
    raise ProviderError(f"unknown calendar provider {details.provider!r}")


__all__ = ["CalendarProvider", "ConnectionDetails", "ProviderError", "provider_for"]
