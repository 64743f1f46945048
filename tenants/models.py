"""Organisations (tenants), their domains and who may operate them. All in the public schema."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists

from tenants.slugs import SLUG_MAX_LENGTH, validate_slug
from tenants.template_schema import schema_rename, template_schema_clone, template_schema_exists

LANGUAGE_CHOICES = [("en", "English"), ("hu", "Magyar"), ("de", "Deutsch")]
LANGUAGE_CODES = [code for code, _label in LANGUAGE_CHOICES]

hex_colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))
currency_code_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 currency code."))
country_code_validator = RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter ISO 3166 country code."))


@functools.cache
def _known_timezones() -> frozenset[str]:
    # zoneinfo.available_timezones() walks the tz database's folders on every call (10 ms idle, 47 ms per
    # sign-up in a profile on the loaded machine: Tenant.full_clean); the database does not change while the
    # process runs.
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _known_timezones():
        raise ValidationError(_("%(value)s is not an IANA time zone."), params={"value": value})


def validate_languages(value: list[str]) -> None:
    unknown = sorted(set(value) - set(LANGUAGE_CODES))
    if unknown:
        raise ValidationError(_("Unknown language: %(codes)s."), params={"codes": ", ".join(unknown)})
    if not value:
        raise ValidationError(_("Enable at least one language."))


def default_languages() -> list[str]:
    return list(LANGUAGE_CODES)


def default_reminder_offsets() -> list[int]:
    return [24 * 60, 2 * 60]


class TenantQuerySet(models.QuerySet):
    def customers(self):
        """Organisations, without the public schema's own row and the provisioning template."""
        return self.exclude(schema_name__in=[settings.PUBLIC_SCHEMA_NAME, settings.TENANT_BASE_SCHEMA])


class Tenant(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        TRIAL = "trial", _("trial")  # signed itself up, no plan yet; serves like an active one
        SUSPENDED = "suspended", _("suspended")
        # The owner closed it (tenants.leaving): offline at once, deleted after the grace period unless platform
        # staff restore it first.
        CLOSED = "closed", _("closed")

    # Statuses whose sites are served and whose periodic jobs run.
    SERVING_STATUSES = (Status.ACTIVE, Status.TRIAL)

    class ButtonStyle(models.TextChoices):
        ROUNDED = "rounded", _("rounded")
        SQUARE = "square", _("square")
        PILL = "pill", _("pill")

    slug = models.CharField(max_length=SLUG_MAX_LENGTH, unique=True, validators=[validate_slug])
    display_name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    # Set by tenant_suspend (platform staff say why), cleared by tenant_resume, which returns the organisation
    # to the status it had before (active or trial).
    suspension_reason = models.TextField(blank=True)
    status_before_suspension = models.CharField(max_length=20, choices=Status.choices, blank=True)
    # Set by organisation_close (the owner leaves), cleared by organisation_restore (platform staff, before the
    # scheduled deletion): the status to return to, when it was closed, who closed it and why.
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.TextField(blank=True)
    status_before_closure = models.CharField(max_length=20, choices=Status.choices, blank=True)
    timezone = models.CharField(max_length=64, default="Europe/Budapest", validators=[validate_timezone])
    default_language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="en")
    country = models.CharField(max_length=2, blank=True, validators=[country_code_validator],
                               help_text=_("ISO 3166 country code, e.g. HU."))
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_code_validator],
                                help_text=_("ISO 4217 currency code new services are priced in, e.g. HUF."))
    enabled_languages = ArrayField(
        models.CharField(max_length=2, choices=LANGUAGE_CHOICES),
        default=default_languages,
        validators=[validate_languages],
    )
    primary_colour = models.CharField(max_length=7, default="#2457d6", validators=[hex_colour_validator])
    logo = models.FileField(upload_to="logos/", blank=True)
    button_style = models.CharField(max_length=10, choices=ButtonStyle.choices, default=ButtonStyle.ROUNDED)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    self_service_enabled = models.BooleanField(
        default=True, help_text=_("Clients may cancel or reschedule their own bookings (services can override).")
    )
    waitlist_auto_send_enabled = models.BooleanField(
        default=True,
        help_text=_("Send waitlist offers as soon as they are prepared (services can override); off: staff release "
                    "them."),
    )
    reminder_offsets_minutes = ArrayField(
        models.PositiveIntegerField(), default=default_reminder_offsets, blank=True,
        help_text=_("Send reminders this many minutes before a booking starts (e.g. 1440, 120)."),
    )
    attendance_request_enabled = models.BooleanField(
        default=True, help_text=_("Ask clients to confirm they are coming, with confirm and cancel links."),
    )
    attendance_request_offset_minutes = models.PositiveIntegerField(default=2 * 24 * 60)
    mfa_required = models.BooleanField(
        default=False, help_text=_("Every member must set up two-factor authentication before using the back office."),
    )
    notifications_off = ArrayField(
        models.CharField(max_length=50), default=list, blank=True,
        help_text=_("Event types of client emails this organisation does not send (e.g. booking.reminder)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    auto_create_schema = True
    auto_drop_schema = True

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name or self.schema_name

    def clean(self):
        super().clean()
        if self.enabled_languages and self.default_language not in self.enabled_languages:
            raise ValidationError({"default_language": _("The default language must be one of the enabled ones.")})

    @property
    def is_active(self) -> bool:
        return self.status in self.SERVING_STATUSES

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Clone the migrated template schema when there is one, instead of running every migration.

        django-tenants would clone and then run `migrate_schemas --fake` for the new schema, which costs
        seconds; the clone already carries the template's django_migrations rows, so that step is skipped.
        """
        pooled = getattr(self, "_pool_schema_name", None)
        if pooled:
            # A ready schema claimed from the warm pool (tenants.pool) becomes this tenant's: renamed, not cloned.
            schema_rename(pooled, self.schema_name)
            self._pool_schema_name = None
            return True
        if sync_schema and self.schema_name != settings.TENANT_BASE_SCHEMA and self.template_ready():
            if check_if_exists and schema_exists(self.schema_name):
                return False
            template_schema_clone(self.schema_name)
            return True
        return super().create_schema(check_if_exists=check_if_exists, sync_schema=sync_schema, verbosity=verbosity)

    @classmethod
    def template_ready(cls) -> bool:
        """The template schema exists and has its tenant row (so every deploy migrates it and clones are current)."""
        return template_schema_exists() and cls.objects.filter(schema_name=settings.TENANT_BASE_SCHEMA).exists()


def schema_name_for_slug(slug: str) -> str:
    """`t_<slug>` with underscores for hyphens; a slug too long for PostgreSQL's 63-character names keeps its
    first 50 characters and a hash of the whole."""
    name = "t_" + re.sub(r"[^a-z0-9]", "_", slug.lower())
    if len(name) > 63:
        name = name[:52] + "_" + hashlib.sha256(slug.lower().encode()).hexdigest()[:10]
    return name


class PoolSchema(models.Model):
    """A tenant schema cloned from the template ahead of time, waiting in the warm pool for a sign-up to claim it
    (tenants.pool). Made in the same transaction as its schema, deleted in the transaction that claims or drops
    it, so a row always has its schema. `template_version` is the template's version it was cloned from
    (tenants.template_schema.template_version): a row whose version is not the current one is never handed out."""

    class State(models.TextChoices):
        READY = "ready", _("ready")
        STALE = "stale", _("stale")  # cloned from an older template; dropped by the next refill

    schema_name = models.CharField(max_length=63, unique=True)
    template_version = models.CharField(max_length=32, db_index=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.READY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.schema_name} ({self.state})"


class Domain(DomainMixin):
    """A host name that serves one tenant: `<slug>.<root domain>` or a custom domain."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]


class Membership(models.Model):
    """Who may operate a tenant, and how much they may change."""

    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        ADMIN = "admin", _("admin")
        STAFF = "staff", _("staff")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant")]
        ordering = ["tenant", "user"]

    def __str__(self):
        return f"{self.user} · {self.tenant} ({self.role})"


class Invitation(models.Model):
    """An invitation to join an organisation with a role, sent to an email address. The link's token is never
    stored: it is derived from `key_salt` with the site's secret (tenants.invitations), and only its hash is
    looked up."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.STAFF)
    # The booking_core StaffMember (in the tenant's schema) the new member's calendar is, for the staff role.
    staff_member_id = models.BigIntegerField(null=True, blank=True)
    key_salt = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant", "-created_at"]
        constraints = [models.UniqueConstraint(
            fields=["tenant", "email"], condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
            name="invitation_one_open_per_email")]

    def __str__(self):
        return f"{self.email} → {self.tenant} ({self.role})"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class ApiKey(models.Model):
    """A key a program uses to call a tenant's operator API. Only a hash of the secret is stored."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("admin")
        STAFF = "staff", _("staff")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tenant", "-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PlatformAuditEntry(models.Model):
    """Who changed an organisation, a domain, a membership or an API key, and when: one row per change, never
    edited. The tenants' own data is audited in each schema (booking_core's AuditEntry); this is the public
    schema's log."""

    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=100, help_text=_("Dotted name, e.g. domain.added"))
    object_type = models.CharField(max_length=50)
    object_id = models.BigIntegerField()
    object_label = models.CharField(max_length=300, blank=True)
    tenant_id = models.BigIntegerField(null=True, blank=True, db_index=True,
                                       help_text=_("The organisation concerned (kept after it is deleted)."))
    changes = models.JSONField(default=dict, blank=True, help_text=_("Field: [before, after]."))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="platform_audit_object")]
        verbose_name_plural = "platform audit entries"

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"


def export_token() -> str:
    return secrets.token_urlsafe(32)


class DataExport(models.Model):
    """One export of an organisation's data, asked for by an owner: a zip in private storage, built by a worker
    (tenants.leaving.exports), downloadable by the organisation's owners until `expires_at`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("being prepared")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired")  # the link's time is up and the file is gone

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="data_exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    # The download link's secret part (with the owner's sign-in and the expiry, what lets the file out).
    token = models.CharField(max_length=64, unique=True, default=export_token, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    file_name = models.CharField(max_length=300, blank=True, help_text=_("In the private storage."))
    size_bytes = models.BigIntegerField(null=True, blank=True)
    rows_exported = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"export #{self.pk} of {self.tenant_id} ({self.status})"
