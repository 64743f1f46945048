"""The members page (owners), each member's security page, and the invitation link's page on the tenant's host.

Owners invite by email with a role (and, for staff, the calendar that is theirs), send invitations again or
withdraw them, change roles, remove members and require two-factor authentication for everyone. A refusal
(the last owner) is shown next to the member's field and changes nothing."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.utils import perform_login
from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allot.errors import ApplicationError, NotFoundError
from booking_core.backoffice.access import OWNERS, office_page
from booking_core.backoffice.members_forms import (
    AcceptExistingAccountForm,
    AcceptNewAccountForm,
    CalendarForm,
    InviteForm,
    MfaPolicyForm,
    RoleForm,
)
from booking_core.selectors.catalogue import staff_for_operator, staff_linked_users
from booking_core.services import members as member_services
from public_site.pages import public_page, secret_link_page
from tenants.accounts import has_totp
from tenants.members import services as invitation_services
from tenants.members.selectors import members_of, membership_get, open_invitations_of

OFFICE_HOME = "/office/"


def _language() -> str:
    return (translation.get_language() or "en")[:2]


def _members_page(request, *, invite_form=None, row_errors=None, status=200):
    staff = staff_for_operator()
    linked = staff_linked_users()
    members = list(members_of(tenant=request.tenant))
    for member in members:
        member.calendar = linked.get(member.user_id)
        member.error = (row_errors or {}).get(member.pk)
    return render(request, "backoffice/members.html", {
        "tenant": request.tenant, "nav": "members", "members": members, "staff": staff,
        "invitations": list(open_invitations_of(tenant=request.tenant)), "now": timezone.now(),
        "invite_form": invite_form or InviteForm(staff=staff),
        "mfa_form": MfaPolicyForm(initial={"mfa_required": request.tenant.mfa_required}),
    }, status=status)


@office_page(roles=OWNERS)
@require_GET
def members_page(request):
    return _members_page(request)


@office_page(roles=OWNERS)
@require_POST
def member_invite(request):
    form = InviteForm(request.POST, staff=staff_for_operator())
    if form.is_valid():
        try:
            invitation = member_services.member_invite(
                tenant=request.tenant, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                staff_id=form.cleaned_data["staff"], actor=request.user, language=_language())
        except ApplicationError as error:
            for name, problems in error.fields.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
            if not error.fields:
                form.add_error(None, str(error.message))
        else:
            messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": invitation.email})
            return redirect("office-members")
    return _members_page(request, invite_form=form, status=400)


@office_page(roles=OWNERS)
@require_POST
def invitation_resend(request, invitation_id: int):
    try:
        invitation = invitation_services.invitation_resend(tenant=request.tenant, invitation_id=invitation_id,
                                                           actor=request.user, language=_language())
    except NotFoundError:
        raise
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The invitation is sent again to %(email)s; the earlier link no longer "
                                    "works.") % {"email": invitation.email})
    return redirect("office-members")


@office_page(roles=OWNERS)
@require_POST
def invitation_revoke(request, invitation_id: int):
    try:
        invitation = invitation_services.invitation_revoke(tenant=request.tenant, invitation_id=invitation_id,
                                                           actor=request.user)
    except NotFoundError:
        raise
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email})
    return redirect("office-members")


def _refused_in_row(request, membership, error: ApplicationError):
    problems = [problem for field in error.fields.values() for problem in field]
    message = str(error.message) + (" " + " ".join(problems) if problems else "")
    return _members_page(request, row_errors={membership.pk: message}, status=400)


@office_page(roles=OWNERS)
@require_POST
def member_role(request, membership_id: int):
    membership = membership_get(tenant=request.tenant, membership_id=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _members_page(request, row_errors={membership.pk: _("Choose a role.")}, status=400)
    try:
        member_services.member_role_change(membership=membership, role=form.cleaned_data["role"], actor=request.user)
    except ApplicationError as error:
        return _refused_in_row(request, membership, error)
    messages.success(request, _("%(email)s is now %(role)s.") % {
        "email": membership.user.email, "role": dict(RoleForm.base_fields["role"].choices)[form.cleaned_data["role"]]})
    return redirect("office-members")


@office_page(roles=OWNERS)
@require_POST
def member_calendar(request, membership_id: int):
    membership = membership_get(tenant=request.tenant, membership_id=membership_id)
    form = CalendarForm(request.POST, staff=staff_for_operator())
    if not form.is_valid():
        return _members_page(request, row_errors={membership.pk: _("Choose a staff member.")}, status=400)
    member_services.member_calendar_set(membership=membership, staff_id=form.cleaned_data["staff"],
                                        actor=request.user)
    messages.success(request, _("The calendar of %(email)s is saved.") % {"email": membership.user.email})
    return redirect("office-members")


@office_page(roles=OWNERS)
@require_POST
def member_remove(request, membership_id: int):
    membership = membership_get(tenant=request.tenant, membership_id=membership_id)
    try:
        member_services.member_remove(membership=membership, actor=request.user)
    except ApplicationError as error:
        return _refused_in_row(request, membership, error)
    messages.success(request, _("%(email)s is no longer a member.") % {"email": membership.user.email})
    if membership.user_id == request.user.pk:
        return redirect("/")
    return redirect("office-members")


@office_page(roles=OWNERS)
@require_POST
def mfa_policy(request):
    form = MfaPolicyForm(request.POST)
    form.is_valid()
    required = bool(form.cleaned_data.get("mfa_required"))
    if required and not has_totp(request.user):
        messages.error(request, _("Set up your own authenticator app first (Security), then require it of "
                                  "everyone."))
        return redirect("office-members")
    invitation_services.tenant_mfa_requirement_set(tenant=request.tenant, required=required, actor=request.user)
    if required:
        messages.success(request, _("Every member now needs two-factor authentication; those without it are asked "
                                    "to set it up first."))
    else:
        messages.success(request, _("Two-factor authentication is up to each member."))
    return redirect("office-members")


@office_page
@require_GET
def security_page(request):
    """The member's own sign-in security: their authenticator app and recovery codes (allauth's pages)."""
    kinds = set(Authenticator.objects.filter(user=request.user).values_list("type", flat=True))
    return render(request, "backoffice/security.html", {
        "tenant": request.tenant, "nav": "security", "has_totp": has_totp(request.user),
        "has_recovery_codes": Authenticator.Type.RECOVERY_CODES in kinds,
    })


# --- the invitation link ---------------------------------------------------------------------------------


def _invitation_refused(request, error: ApplicationError):
    return render(request, "backoffice/invitation_refused.html", {"message": error.message},
                  status=error.status_code if error.status_code in (404, 410) else 404)


@secret_link_page
@public_page
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """Accept an invitation: with a new account (name and password) or by proving the existing account's
    password; then signed in (allauth's sign-in, so an authenticator is asked for) and on to the back office."""
    try:
        invitation = invitation_services.invitation_for_token(tenant=request.tenant, token=token)
    except ApplicationError as error:
        return _invitation_refused(request, error)
    has_account = invitation_services.invitation_account_exists(invitation)
    form_class = AcceptExistingAccountForm if has_account else AcceptNewAccountForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if has_account:
                user = _existing_account(request, invitation.email, form)
                if user is not None:
                    user = member_services.member_join_with_account(tenant=request.tenant, token=token, user=user)
            else:
                user = member_services.member_join_with_new_account(
                    tenant=request.tenant, token=token, full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password1"])
        except (invitation_services.InvitationGone, NotFoundError) as error:
            return _invitation_refused(request, error)
        except ApplicationError as error:
            for name, problems in error.fields.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
            if not error.fields:
                form.add_error(None, str(error.message))
        else:
            if user is not None:
                # allauth signs them in: an account with an authenticator is asked for a code first.
                return perform_login(request, user, redirect_url=OFFICE_HOME)
    return render(request, "backoffice/invitation_accept.html", {
        "tenant": request.tenant, "invitation": invitation, "has_account": has_account, "form": form,
    }, status=400 if request.method == "POST" else 200)


def _existing_account(request, email: str, form):
    """The invitee's account if the password is theirs (allauth's failed-attempt limits apply), else None."""
    try:
        user = get_adapter(request).authenticate(request, email=email, password=form.cleaned_data["password"])
    except ValidationError as error:  # too many failed attempts
        form.add_error("password", error.messages[0])
        return None
    if user is None:
        form.add_error("password", _("The password is not right."))
    return user
