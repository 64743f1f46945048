"""The transactional outbox: every message that leaves the system is first a row, written in the same
transaction as the change that causes it (public schema, so one relay serves every tenant)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q


def message_id_for(tenant_schema: str, idempotency_key: str) -> str:
    """The email Message-ID of the message with this key: the same for every attempt and every delivery."""
    digest = hashlib.sha256(f"{tenant_schema}:{idempotency_key}".encode()).hexdigest()[:32]
    return f"<{digest}@{settings.ALLOT_ROOT_DOMAIN}>"


class OutboxMessage(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "pending"  # waiting to be handed to a worker (maybe not due yet)
        INFLIGHT = "inflight", "in flight"  # handed to a worker; the lease says until when
        SENT = "sent", "sent"
        FAILED = "failed", "failed"  # an attempt failed; retried at next_attempt_at
        DEAD = "dead", "dead"  # out of attempts: an operator decides (retry from the admin)
        CANCELLED = "cancelled", "cancelled"  # no longer wanted (a reminder for a cancelled booking)

    class Queue(models.TextChoices):
        TRANSACTIONAL = "transactional", "transactional"  # confirmations, cancellations, offers
        BULK = "bulk", "bulk"  # reminders and other scheduled mail
        WEBHOOK = "webhook", "webhook"  # signed HTTP deliveries to an organisation's endpoints (not email)

    tenant_schema = models.CharField(max_length=63)
    event_type = models.CharField(max_length=64)
    queue = models.CharField(max_length=20, choices=Queue.choices, default=Queue.TRANSACTIONAL)
    recipient = models.EmailField()
    language = models.CharField(max_length=2, default="en")
    payload = models.JSONField(default=dict)
    # What the message is about ("booking:42"), so pending messages can be cancelled when it changes.
    subject_ref = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=200, help_text="Unique within the tenant.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=6)
    next_attempt_at = models.DateTimeField(help_text="Not before this time (scheduled sends, retries).")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Keys are made of tenant-local ids ("booking:42:confirmed"): unique per tenant, not globally.
            models.UniqueConstraint(fields=["tenant_schema", "idempotency_key"], name="outbox_unique_key_per_tenant"),
        ]
        indexes = [
            # The relay's question: which rows of this tenant are due or have an expired lease?
            models.Index(
                fields=["tenant_schema", "next_attempt_at"],
                name="outbox_due",
                condition=Q(status__in=["pending", "failed"]),
            ),
            models.Index(
                fields=["tenant_schema", "lease_expires_at"],
                name="outbox_inflight",
                condition=Q(status="inflight"),
            ),
            models.Index(fields=["tenant_schema", "subject_ref"], name="outbox_subject"),
        ]

    def __str__(self):
        return f"{self.event_type} → {self.recipient} ({self.status})"

    @property
    def message_id(self) -> str:
        """The stable email Message-ID: a retried or re-delivered message is recognisably the same."""
        return message_id_for(self.tenant_schema, self.idempotency_key)
