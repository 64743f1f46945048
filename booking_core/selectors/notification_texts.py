"""Reads of an organisation's own client email texts, for the back office."""

from __future__ import annotations

from booking_core.models import NotificationTemplate


def notification_texts_for_operator(*, event_type: str | None = None) -> dict[tuple[str, str], NotificationTemplate]:
    """(event type, language) -> the organisation's own text."""
    texts = NotificationTemplate.objects.all()
    if event_type is not None:
        texts = texts.filter(event_type=event_type)
    return {(text.event_type, text.language): text for text in texts}
