"""Writes on an organisation's members from its back office: invite by email, resend, revoke, accept; the
two-factor requirement. Roles and removals reuse tenants.services (which keeps the last owner)."""

from __future__ import annotations

import datetime as dt

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from allot.errors import ApplicationError, NotFoundError
from allot.outbox.services import outbox_write
from tenants import resolution
from tenants.audit import field_values, platform_audit_record
from tenants.members.tokens import invitation_salt_new, invitation_token, invitation_token_hash
from tenants.models import Invitation, Membership, Tenant
from tenants.services import membership_add

INVITATION_EVENT = "member.invitation"
INVITATION_VALID_FOR = dt.timedelta(days=7)
_AUDITED = ["email", "role", "staff_member_id", "expires_at", "accepted_at", "revoked_at"]


class InvitationError(ApplicationError):
    pass


class InvitationNotFound(NotFoundError):
    """No such invitation in this organisation (another organisation's looks exactly like this)."""


class InvitationGone(InvitationError):
    """The link was good once: the invitation expired, was revoked or is accepted already."""

    status_code = 410
    code = "invitation_gone"


def _queue_email(invitation: Invitation, *, language: str) -> None:
    outbox_write(
        event_type=INVITATION_EVENT, recipient=invitation.email, language=language,
        payload={"invitation_id": invitation.pk, "key_salt": invitation.key_salt},
        idempotency_key=f"invitation:{invitation.pk}:{invitation.key_salt}",
        subject_ref=f"invitation:{invitation.pk}", tenant_schema=invitation.tenant.schema_name,
    )


def invitation_create(*, tenant: Tenant, email: str, role: str, staff_member_id: int | None = None, actor=None,
                      language: str = "en") -> Invitation:
    """Invite `email` to join `tenant` with `role`; the link goes out by email after commit (audited)."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        message = _("Enter a valid email address.")
        raise InvitationError(message, fields={"email": [message]}) from None
    if role not in Membership.Role.values:
        raise InvitationError(_("Unknown role."), fields={"role": [_("Unknown role.")]})
    if Membership.objects.filter(tenant=tenant, user__email__iexact=email).exists():
        message = _("This person is a member already.")
        raise InvitationError(message, fields={"email": [message]}, code="already_member")
    salt = invitation_salt_new()
    invitation = Invitation(
        tenant=tenant, email=email, role=role, staff_member_id=staff_member_id if role == Membership.Role.STAFF
        else None, key_salt=salt, token_hash=invitation_token_hash(invitation_token(salt)),
        invited_by=actor if getattr(actor, "pk", None) else None, expires_at=timezone.now() + INVITATION_VALID_FOR,
    )
    try:
        with transaction.atomic():
            invitation.save()
            platform_audit_record(actor=actor, action="invitation.created", obj=invitation, tenant_id=tenant.pk,
                                  after=field_values(invitation, _AUDITED))
            _queue_email(invitation, language=language)
    except IntegrityError:
        message = _("This address has an open invitation already: resend it instead.")
        raise InvitationError(message, fields={"email": [message]}, code="already_invited") from None
    return invitation


def _open_invitation(*, tenant: Tenant, invitation_id: int) -> Invitation:
    invitation = (Invitation.objects.select_for_update().select_related("tenant")
                  .filter(pk=invitation_id, tenant=tenant, accepted_at__isnull=True, revoked_at__isnull=True).first())
    if invitation is None:
        raise InvitationNotFound(_("No such invitation."))
    return invitation


def invitation_resend(*, tenant: Tenant, invitation_id: int, actor=None, language: str = "en") -> Invitation:
    """Send a new link (the old one stops working) valid for another week (audited)."""
    with transaction.atomic():
        invitation = _open_invitation(tenant=tenant, invitation_id=invitation_id)
        before = field_values(invitation, _AUDITED)
        invitation.key_salt = invitation_salt_new()
        invitation.token_hash = invitation_token_hash(invitation_token(invitation.key_salt))
        invitation.expires_at = timezone.now() + INVITATION_VALID_FOR
        invitation.save(update_fields=["key_salt", "token_hash", "expires_at", "updated_at"])
        platform_audit_record(actor=actor, action="invitation.resent", obj=invitation, tenant_id=tenant.pk,
                              before=before, after=field_values(invitation, _AUDITED))
        _queue_email(invitation, language=language)
    return invitation


def invitation_revoke(*, tenant: Tenant, invitation_id: int, actor=None) -> Invitation:
    """Withdraw an open invitation: its link stops working (audited)."""
    with transaction.atomic():
        invitation = _open_invitation(tenant=tenant, invitation_id=invitation_id)
        before = field_values(invitation, _AUDITED)
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        platform_audit_record(actor=actor, action="invitation.revoked", obj=invitation, tenant_id=tenant.pk,
                              before=before, after=field_values(invitation, _AUDITED))
    return invitation


def invitation_for_token(*, tenant: Tenant, token: str, lock: bool = False) -> Invitation:
    """The invitation behind a link on `tenant`'s host. Unknown, or another organisation's: not found (404);
    expired, revoked or used: gone (410)."""
    queryset = Invitation.objects.select_related("tenant")
    if lock:
        queryset = queryset.select_for_update()
    invitation = queryset.filter(token_hash=invitation_token_hash(token or ""), tenant=tenant).first()
    if invitation is None:
        raise InvitationNotFound(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise InvitationGone(_("This invitation has been used already. Sign in instead."))
    if invitation.revoked_at is not None:
        raise InvitationGone(_("This invitation was withdrawn. Ask the organisation for a new one."))
    if invitation.expires_at <= timezone.now():
        raise InvitationGone(_("This invitation has expired. Ask the organisation to send it again."))
    return invitation


def invitation_account_exists(invitation: Invitation) -> bool:
    return get_user_model().objects.filter(email__iexact=invitation.email).exists()


def _accept(invitation: Invitation, user) -> Membership:
    before = field_values(invitation, _AUDITED)
    membership = membership_add(tenant=invitation.tenant, user=user, role=invitation.role, actor=user)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    platform_audit_record(actor=user, action="invitation.accepted", obj=invitation, tenant_id=invitation.tenant_id,
                          before=before, after=field_values(invitation, _AUDITED))
    return membership


def invitation_accept_with_new_account(*, tenant: Tenant, token: str, full_name: str, password: str):
    """Create the invitee's account (the link proved the address) and make them a member; returns
    (user, invitation). Passwords go through Django's validators."""
    full_name = (full_name or "").strip()
    if not full_name:
        message = _("Tell us your name.")
        raise InvitationError(message, fields={"full_name": [message]})
    User = get_user_model()
    with transaction.atomic():
        invitation = invitation_for_token(tenant=tenant, token=token, lock=True)
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationError(_("An account with this address exists: sign in to accept."), code="has_account")
        candidate = User(email=invitation.email, full_name=full_name)
        try:
            validate_password(password, user=candidate)
        except ValidationError as error:
            raise InvitationError(_("Choose another password."), fields={"password1": error.messages}) from None
        user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name[:200])
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        platform_audit_record(actor=user, action="user.created", obj=user, tenant_id=tenant.pk,
                              after={"email": user.email, "via": "invitation"})
        _accept(invitation, user)
    return user, invitation


def invitation_accept_existing_account(*, tenant: Tenant, token: str, user):
    """Make the invitee's existing account (they proved it is theirs) a member; returns (user, invitation)."""
    with transaction.atomic():
        invitation = invitation_for_token(tenant=tenant, token=token, lock=True)
        if user.email.lower() != invitation.email.lower():
            raise InvitationError(_("This invitation is for another email address."), code="other_address")
        _accept(invitation, user)
    return user, invitation


def tenant_mfa_requirement_set(*, tenant: Tenant, required: bool, actor=None) -> Tenant:
    """The owner requires (or stops requiring) two-factor authentication of every member (audited)."""
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        before = field_values(locked, ["mfa_required"])
        locked.mfa_required = bool(required)
        locked.save(update_fields=["mfa_required", "updated_at"])
        platform_audit_record(actor=actor, action="tenant.mfa_requirement_changed", obj=locked, tenant_id=locked.pk,
                              before=before, after=field_values(locked, ["mfa_required"]))
        resolution.forget_after_commit()
    tenant.mfa_required = locked.mfa_required
    return tenant

