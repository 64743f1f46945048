"""An organisation's own wording of the emails its clients get: a subject and a text per event type and
language, used instead of the built-in email when present (booking_core.messages.custom)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from booking_core.models.translated import LANGUAGES


class NotificationTemplate(models.Model):
    event_type = models.CharField(max_length=50)
    language = models.CharField(max_length=2, choices=[(code, code) for code in LANGUAGES])
    subject = models.CharField(max_length=200)
    text = models.TextField(max_length=5000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event_type", "language"]
        constraints = [models.UniqueConstraint(fields=["event_type", "language"],
                                               name="notification_template_one_per_event_and_language")]
        verbose_name = _("notification text")

    def __str__(self):
        return f"{self.event_type} ({self.language})"
