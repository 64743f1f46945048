"""Writes on tenants, domains and memberships."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from allot.errors import ApplicationError
from allot.jobs.due import due_work_note_everything
from allot.outbox.services import outbox_retry_dead
from tenants import resolution
from tenants.audit import field_values, platform_audit_record
from tenants.logos import logo_prepare
from tenants.models import (
    Domain,
    Membership,
    Tenant,
    schema_name_for_slug,
)
from tenants.pool.services import pool_claim, pool_claimed, pool_refill_enqueue_after_commit
from tenants.slugs import SLUG_PROBLEM_MESSAGES, SlugProblem, slug_form_problem, slug_host, slug_normalise
from tenants.template_schema import provisioning_lock


class TenantError(ApplicationError):
    pass


CLAIM_FROM_POOL = object()  # tenant_create's default: claim a ready schema from the warm pool if there is one


def _full_clean(instance, *, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        raise TenantError(_("The organisation could not be saved."), fields=error.message_dict) from error


def tenant_create(
    *,
    slug: str,
    display_name: str,
    owner,
    timezone: str = "Europe/Budapest",
    default_language: str = "en",
    enabled_languages: list[str] | None = None,
    primary_colour: str = "#2457d6",
    button_style: str = Tenant.ButtonStyle.ROUNDED,
    contact_email: str = "",
    country: str = "",
    currency: str = "EUR",
    status: str = Tenant.Status.ACTIVE,
    actor=None,
    pool_schema=CLAIM_FROM_POOL,
) -> Tenant:
    """Provision an organisation: its schema, its subdomain and its owner.

    The schema is a ready one claimed from the warm pool (tenants.pool) when there is one of the current template
    version, renamed to the tenant's; otherwise it is cloned from the template under the provisioning lock.
    `pool_schema`: a PoolSchema the caller already claimed in its transaction, None to clone, or (the default)
    claim one here. Refuses a slug that tenants.slugs calls invalid, reserved or taken (TenantError with code
    `slug_taken` when another sign-up took it a moment ago); a refusal leaves nothing behind (a claimed pool
    schema stays in the pool)."""
    slug = slug_normalise(slug)
    problem = slug_form_problem(slug)
    if problem is not None:
        message = SLUG_PROBLEM_MESSAGES[problem]
        raise TenantError(message, fields={"slug": [message]}, code=f"slug_{problem.value}")
    tenant = Tenant(
        schema_name=schema_name_for_slug(slug),
        slug=slug,
        display_name=display_name.strip(),
        timezone=timezone,
        default_language=default_language,
        enabled_languages=enabled_languages or ["en", "hu", "de"],
        primary_colour=primary_colour,
        button_style=button_style,
        contact_email=contact_email or owner.email,
        country=country,
        currency=currency,
        status=status,
    )
    domain = Domain(domain=slug_host(slug), is_primary=True)
    try:
        with transaction.atomic():
            if pool_schema is CLAIM_FROM_POOL:
                pool_schema = pool_claim()
            if pool_schema is None:
                # Cloning: one provisioning at a time (see provisioning_lock); a sign-up that waited here for
                # another with the same slug sees it taken below. A claim needs no lock: its row is its own
                # (FOR UPDATE SKIP LOCKED), and two sign-ups for one slug meet on the unique slug and schema name.
                provisioning_lock()
            else:
                tenant._pool_schema_name = pool_schema.schema_name
            taken = SLUG_PROBLEM_MESSAGES[SlugProblem.TAKEN]
            if Tenant.objects.filter(slug=slug).exists() or Domain.objects.filter(domain=domain.domain).exists():
                raise TenantError(taken, fields={"slug": [taken]}, code="slug_taken")
            _full_clean(tenant)
            tenant.save(verbosity=0)
            domain.tenant = tenant
            domain.save()
            if pool_schema is not None:
                pool_claimed(pool_schema)
            else:
                pool_refill_enqueue_after_commit()  # the pool was empty (or stale): fill it for the next ones
            membership = Membership.objects.create(user=owner, tenant=tenant, role=Membership.Role.OWNER)
            for record in (tenant, domain, membership):
                platform_audit_record(actor=actor, action=f"{record._meta.model_name}.created", obj=record,
                                      tenant_id=tenant.pk, after=field_values(record))
    except IntegrityError as error:
        # Two sign-ups raced for the same slug: the unique slug, schema and domain let exactly one commit; the
        # other waited for it on the unique index and lands here with nothing of its own left.
        just_taken = _("This subdomain was just taken. Please choose another.")
        raise TenantError(just_taken, fields={"slug": [just_taken]}, code="slug_just_taken") from error
    return tenant


# What platform staff may change on an organisation in place. The slug and schema name are its address and
# its storage; the logo goes through tenant_logo_set (checked, re-encoded).
TENANT_EDITABLE_FIELDS = {
    "display_name", "status", "timezone", "default_language", "enabled_languages", "primary_colour", "button_style",
    "contact_email", "contact_phone", "self_service_enabled", "waitlist_auto_send_enabled",
    "reminder_offsets_minutes", "attendance_request_enabled", "attendance_request_offset_minutes",
    "notifications_off",
}


# Settings that move when the tenant's jobs are due (reminder offsets, local midnights).
DUE_TIME_FIELDS = {"timezone", "reminder_offsets_minutes", "attendance_request_enabled",
                   "attendance_request_offset_minutes"}


def tenant_update(*, tenant: Tenant, actor=None, **changes) -> Tenant:
    """Change an organisation's settings (validated as a whole, audited)."""
    unknown = sorted(set(changes) - TENANT_EDITABLE_FIELDS)
    if unknown:
        raise TenantError(_("These fields cannot be changed here."), fields={name: [_("Not editable.")]
                                                                            for name in unknown})
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if "status" in changes and changes["status"] != locked.status and Tenant.Status.CLOSED in (
                changes["status"], locked.status):
            # Closing has its date, its emails and its deletion (tenants.leaving); so does restoring.
            message = _("An organisation is closed by its owner and restored from the console, not edited.")
            raise TenantError(message, fields={"status": [message]}, code="closure_not_editable")
        before = field_values(locked, changes)
        for name, value in changes.items():
            setattr(locked, name, value)
        _full_clean(locked, exclude=["logo"])
        locked.save(update_fields=[*changes, "updated_at"])
        platform_audit_record(actor=actor, action="tenant.updated", obj=locked, tenant_id=locked.pk, before=before,
                              after=field_values(locked, changes))
        if set(changes) & DUE_TIME_FIELDS:
            # Reminder moments and local dates moved: every job runs once now and recomputes its due time.
            due_work_note_everything(locked.schema_name)
        resolution.forget_after_commit()
    for name in changes:
        setattr(tenant, name, getattr(locked, name))
    tenant.updated_at = locked.updated_at
    return tenant


def tenant_set_status(*, tenant: Tenant, status: str, actor=None) -> Tenant:
    """Suspend or reactivate an organisation's sites (the data stays)."""
    if status not in Tenant.Status.values:
        raise TenantError(_("Unknown status."), fields={"status": [_("Unknown status.")]})
    return tenant_update(tenant=tenant, actor=actor, status=status)


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why: the reason is kept in the platform's audit log.")
        raise TenantError(message, fields={"reason": [message]}, code="reason_required")
    return reason


def tenant_suspend(*, tenant: Tenant, reason: str, actor=None) -> Tenant:
    """Take an organisation's sites offline (the booking site answers 503; the data stays), saying why."""
    reason = _required_reason(reason)
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.status not in Tenant.SERVING_STATUSES:
            raise TenantError(_("This organisation is already suspended."), code="already_suspended")
        fields = ["status", "suspension_reason", "status_before_suspension"]
        before = field_values(locked, fields)
        locked.status_before_suspension = locked.status
        locked.status = Tenant.Status.SUSPENDED
        locked.suspension_reason = reason
        locked.save(update_fields=[*fields, "updated_at"])
        platform_audit_record(actor=actor, action="tenant.suspended", obj=locked, tenant_id=locked.pk, before=before,
                              after=field_values(locked, fields))
        resolution.forget_after_commit()
    return _copy_status(tenant, locked)


def tenant_resume(*, tenant: Tenant, reason: str, actor=None) -> Tenant:
    """Bring a suspended organisation's sites back, in the status it had before (active or trial), saying why."""
    reason = _required_reason(reason)
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if locked.status != Tenant.Status.SUSPENDED:
            raise TenantError(_("This organisation is not suspended."), code="not_suspended")
        fields = ["status", "suspension_reason", "status_before_suspension"]
        before = field_values(locked, fields)
        locked.status = locked.status_before_suspension or Tenant.Status.ACTIVE
        locked.suspension_reason = ""
        locked.status_before_suspension = ""
        locked.save(update_fields=[*fields, "updated_at"])
        platform_audit_record(actor=actor, action="tenant.resumed", obj=locked, tenant_id=locked.pk, before=before,
                              after={**field_values(locked, fields), "resume_reason": reason})
        resolution.forget_after_commit()
    return _copy_status(tenant, locked)


def tenant_outbox_retry_dead(*, tenant: Tenant, actor=None) -> int:
    """Platform staff send an organisation's dead messages again (audited); returns how many."""
    with transaction.atomic():
        retried = outbox_retry_dead(tenant_schema=tenant.schema_name)
        platform_audit_record(actor=actor, action="outbox.dead_retried", obj=tenant, tenant_id=tenant.pk,
                              after={"messages_retried": retried})
    return retried


def tenant_owner_verification_resend(*, tenant: Tenant, actor=None) -> list[str]:
    """Send the "confirm your email address" message again to the organisation's owners whose address is not
    confirmed (through the outbox, after commit; audited); returns the addresses. Refused when there is none."""
    from allauth.account.models import EmailAddress

    from tenants.signup.emails import email_confirmation_queue

    with transaction.atomic():
        addresses = list(EmailAddress.objects.filter(
            user__memberships__tenant=tenant, user__memberships__role=Membership.Role.OWNER, verified=False,
        ).order_by("email"))
        if not addresses:
            raise TenantError(_("The owner's email address is already confirmed."), code="owner_verified")
        for address in addresses:
            email_confirmation_queue(email_address=address, signup=False, language=tenant.default_language)
        emails = [address.email for address in addresses]
        platform_audit_record(actor=actor, action="owner.verification_resent", obj=tenant, tenant_id=tenant.pk,
                              after={"emails": emails})
    return emails


def _copy_status(tenant: Tenant, locked: Tenant) -> Tenant:
    for name in ("status", "suspension_reason", "status_before_suspension", "updated_at"):
        setattr(tenant, name, getattr(locked, name))
    return tenant


def _domain_name(value: str) -> str:
    return (value or "").strip().lower().rstrip(".")


def _domain_save(record: Domain, *, actor, action: str, before: dict | None) -> Domain:
    try:
        record.full_clean()
    except ValidationError as error:
        raise TenantError(_("The domain could not be saved."), fields=error.message_dict) from error
    with transaction.atomic():
        if record.is_primary:
            others = Domain.objects.select_for_update().filter(tenant=record.tenant, is_primary=True)
            for other in others.exclude(pk=record.pk):
                other.is_primary = False
                other.save(update_fields=["is_primary"])
                platform_audit_record(actor=actor, action="domain.updated", obj=other, tenant_id=other.tenant_id,
                                      before={"is_primary": True}, after={"is_primary": False})
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError as error:  # another request took the name a moment ago
            raise TenantError(_("This domain is taken."), fields={"domain": [_("This domain is taken.")]}) from error
        platform_audit_record(actor=actor, action=action, obj=record, tenant_id=record.tenant_id, before=before,
                              after=field_values(record))
        # Hosts are resolved from a cache: this process forgets now, every other one after commit.
        resolution.forget_after_commit()
    return record


def domain_add(*, tenant: Tenant, domain: str, is_primary: bool = False, actor=None) -> Domain:
    """Attach another host name (a custom domain) to an organisation."""
    from billing.subscriptions.services import custom_domain_require  # billing's models load after tenants'

    custom_domain_require(tenant)
    record = Domain(tenant=tenant, domain=_domain_name(domain), is_primary=is_primary)
    return _domain_save(record, actor=actor, action="domain.added", before=None)


def domain_update(*, domain: Domain, actor=None, **changes) -> Domain:
    """Rename a host name or make it the organisation's primary one."""
    unknown = sorted(set(changes) - {"domain", "is_primary"})
    if unknown:
        raise TenantError(_("These fields cannot be changed here."), fields={name: [_("Not editable.")]
                                                                            for name in unknown})
    if domain.is_primary and changes.get("is_primary") is False:
        raise TenantError(_("An organisation keeps a primary domain; make another domain primary instead."),
                          fields={"is_primary": [_("Primary domain.")]})
    before = field_values(domain)
    if "domain" in changes:
        changes["domain"] = _domain_name(changes["domain"])
    for name, value in changes.items():
        setattr(domain, name, value)
    return _domain_save(domain, actor=actor, action="domain.updated", before=before)


def domain_remove(*, domain: Domain, actor=None) -> None:
    """Detach a host name; an organisation keeps its primary one (make another primary first)."""
    if domain.is_primary:
        raise TenantError(_("The primary domain cannot be removed; make another domain primary first."),
                          fields={"domain": [_("Primary domain.")]}, code="protected")
    with transaction.atomic():
        platform_audit_record(actor=actor, action="domain.removed", obj=domain, tenant_id=domain.tenant_id,
                              before=field_values(domain))
        domain.delete()
        resolution.forget_after_commit()


def membership_add(*, tenant: Tenant, user, role: str = Membership.Role.STAFF, actor=None) -> Membership:
    """Give a user a role in an organisation (or change the role they have)."""
    if role not in Membership.Role.values:
        raise TenantError(_("Unknown role."), fields={"role": [_("Unknown role.")]})
    with transaction.atomic():
        existing = Membership.objects.select_for_update().filter(user=user, tenant=tenant).first()
        before = field_values(existing) if existing else None
        if existing is not None and existing.role == role:
            return existing  # nothing changes, nothing to record
        if existing is not None and existing.role == Membership.Role.OWNER:
            _keep_an_owner(existing)
        membership, created = Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": role})
        platform_audit_record(actor=actor, action="membership.added" if created else "membership.updated",
                              obj=membership, tenant_id=tenant.pk, before=before, after=field_values(membership))
    return membership


def _keep_an_owner(membership: Membership) -> None:
    """Refuse to take the owner role from the organisation's last owner (call it in the transaction)."""
    owners = Membership.objects.select_for_update().filter(tenant_id=membership.tenant_id, role=Membership.Role.OWNER)
    if [owner.pk for owner in owners] == [membership.pk]:
        raise TenantError(_("An organisation keeps at least one owner."), fields={"role": [_("Last owner.")]},
                          code="protected")


def membership_update(*, membership: Membership, role: str, actor=None) -> Membership:
    """Change the role a member has."""
    return membership_add(tenant=membership.tenant, user=membership.user, role=role, actor=actor)


def membership_remove(*, membership: Membership, actor=None) -> None:
    """Take a user's access to an organisation away; the last owner stays (an organisation needs one)."""
    with transaction.atomic():
        if membership.role == Membership.Role.OWNER:
            _keep_an_owner(membership)
        platform_audit_record(actor=actor, action="membership.removed", obj=membership,
                              tenant_id=membership.tenant_id, before=field_values(membership))
        membership.delete()


def tenant_logo_set(*, tenant: Tenant, upload, actor=None) -> Tenant:
    """Replace the organisation's logo with a clean re-encoding of `upload` (tenants.logos: PNG, JPEG or WebP
    within the size limits, else LogoError for the `logo` field); the old file goes once this commits."""
    prepared = logo_prepare(upload)
    storage = Tenant._meta.get_field("logo").storage
    # A new name every time: the old address may be cached by browsers for a day.
    name = storage.save(f"logos/{tenant.schema_name}-{secrets.token_hex(8)}.{prepared.extension}",
                        ContentFile(prepared.content))
    try:
        previous = _logo_replace(tenant=tenant, name=name, actor=actor)
    except BaseException:
        storage.delete(name)
        raise
    if previous:
        transaction.on_commit(lambda: storage.delete(previous))
    return tenant


def tenant_logo_remove(*, tenant: Tenant, actor=None) -> Tenant:
    """Take the organisation's logo away (the site shows its name alone)."""
    storage = Tenant._meta.get_field("logo").storage
    previous = _logo_replace(tenant=tenant, name="", actor=actor)
    if previous:
        transaction.on_commit(lambda: storage.delete(previous))
    return tenant


def _logo_replace(*, tenant: Tenant, name: str, actor=None) -> str:
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        previous = locked.logo.name
        locked.logo.name = name
        _full_clean(locked)
        locked.save(update_fields=["logo", "updated_at"])
        platform_audit_record(actor=actor, action="tenant.logo_changed", obj=locked, tenant_id=locked.pk,
                              before={"logo": previous}, after={"logo": name})
    tenant.logo.name, tenant.updated_at = locked.logo.name, locked.updated_at
    return previous
