"""Who changed what, and when: one row per change, never edited."""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    class ActorKind(models.TextChoices):
        CLIENT = "client", "client"
        OPERATOR = "operator", "operator"
        API_KEY = "api_key", "API key"
        SYSTEM = "system", "system"

    actor_kind = models.CharField(max_length=20, choices=ActorKind.choices)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=100, help_text="Dotted name, e.g. booking.cancelled")
    object_type = models.CharField(max_length=50)
    object_id = models.BigIntegerField()
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"
