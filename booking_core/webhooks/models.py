"""An organisation's webhook endpoints and the log of what was delivered to them."""

from __future__ import annotations

import base64
import secrets

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(models.Model):
    """Where an organisation wants to hear about events. The secret signs every delivery; after a rotation the
    previous secret signs too until `previous_secret_expires_at`, so receivers can switch without a gap."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = ArrayField(models.CharField(max_length=60), default=list, blank=True,
                             help_text=_("The events this endpoint gets; empty: every event."))
    is_enabled = models.BooleanField(default=True)
    secret = models.CharField(max_length=100, default=new_webhook_secret, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Consecutive failed attempts; a success resets it. Past the threshold the endpoint is switched off.
    failures_in_a_row = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one endpoint: what was sent and what came back."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=60)
    event_type = models.CharField(max_length=60)
    attempt = models.PositiveIntegerField()
    request_body = models.TextField()
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_time"),
                   models.Index(fields=["event_id"], name="webhook_delivery_event")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event_type} {self.event_id} → {self.endpoint_id} ({self.response_status or self.error})"
