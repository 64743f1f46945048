"""Writes on tenants, domains and memberships."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from allot.errors import ApplicationError
from tenants.logos import logo_prepare
from tenants.models import (
    Domain,
    Membership,
    Tenant,
    schema_name_for_slug,
)
from tenants.slugs import SLUG_PROBLEM_MESSAGES, SlugProblem, slug_form_problem, slug_host, slug_normalise
from tenants.template_schema import provisioning_lock


class TenantError(ApplicationError):
    pass


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
) -> Tenant:
    """Provision an organisation: its schema (cloned from the template), its subdomain and its owner.

    Refuses a slug that tenants.slugs calls invalid, reserved or taken (TenantError with code `slug_taken` when
    another sign-up took it a moment ago); a refusal leaves nothing behind."""
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
            # One provisioning at a time (see provisioning_lock); a sign-up that waited here for another with the
            # same slug sees it taken below.
            provisioning_lock()
            taken = SLUG_PROBLEM_MESSAGES[SlugProblem.TAKEN]
            if Tenant.objects.filter(slug=slug).exists() or Domain.objects.filter(domain=domain.domain).exists():
                raise TenantError(taken, fields={"slug": [taken]}, code="slug_taken")
            _full_clean(tenant)
            tenant.save(verbosity=0)
            domain.tenant = tenant
            domain.save()
            Membership.objects.create(user=owner, tenant=tenant, role=Membership.Role.OWNER)
    except IntegrityError as error:
        # Two sign-ups raced for the same slug: the unique slug, schema and domain let exactly one commit; the
        # other waited for it on the unique index and lands here with nothing of its own left.
        just_taken = _("This subdomain was just taken. Please choose another.")
        raise TenantError(just_taken, fields={"slug": [just_taken]}, code="slug_just_taken") from error
    return tenant


def tenant_set_status(*, tenant: Tenant, status: str) -> Tenant:
    """Suspend or reactivate an organisation's sites (the data stays)."""
    if status not in Tenant.Status.values:
        raise TenantError(_("Unknown status."), fields={"status": [_("Unknown status.")]})
    tenant.status = status
    tenant.save(update_fields=["status", "updated_at"])
    return tenant


def domain_add(*, tenant: Tenant, domain: str, is_primary: bool = False) -> Domain:
    """Attach another host name (a custom domain) to an organisation."""
    record = Domain(tenant=tenant, domain=domain.strip().lower().rstrip("."), is_primary=is_primary)
    try:
        record.full_clean()
    except ValidationError as error:
        raise TenantError(_("The domain could not be added."), fields=error.message_dict) from error
    with transaction.atomic():
        if is_primary:
            tenant.domains.filter(is_primary=True).update(is_primary=False)
        record.save()
    return record


def membership_add(*, tenant: Tenant, user, role: str = Membership.Role.STAFF) -> Membership:
    """Give a user a role in an organisation (or change the role they have)."""
    if role not in Membership.Role.values:
        raise TenantError(_("Unknown role."), fields={"role": [_("Unknown role.")]})
    membership, _created = Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": role})
    return membership


def tenant_logo_set(*, tenant: Tenant, upload) -> Tenant:
    """Replace the organisation's logo with a clean re-encoding of `upload` (tenants.logos: PNG, JPEG or WebP
    within the size limits, else LogoError for the `logo` field); the old file goes once this commits."""
    prepared = logo_prepare(upload)
    storage = Tenant._meta.get_field("logo").storage
    # A new name every time: the old address may be cached by browsers for a day.
    name = storage.save(f"logos/{tenant.schema_name}-{secrets.token_hex(8)}.{prepared.extension}",
                        ContentFile(prepared.content))
    try:
        previous = _logo_replace(tenant=tenant, name=name)
    except BaseException:
        storage.delete(name)
        raise
    if previous:
        transaction.on_commit(lambda: storage.delete(previous))
    return tenant


def tenant_logo_remove(*, tenant: Tenant) -> Tenant:
    """Take the organisation's logo away (the site shows its name alone)."""
    storage = Tenant._meta.get_field("logo").storage
    previous = _logo_replace(tenant=tenant, name="")
    if previous:
        transaction.on_commit(lambda: storage.delete(previous))
    return tenant


def _logo_replace(*, tenant: Tenant, name: str) -> str:
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        previous = locked.logo.name
        locked.logo.name = name
        _full_clean(locked)
        locked.save(update_fields=["logo", "updated_at"])
    tenant.logo.name, tenant.updated_at = locked.logo.name, locked.updated_at
    return previous
