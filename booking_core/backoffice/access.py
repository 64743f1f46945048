"""Who may open a back office page: members of this organisation only, and some pages only for some roles.

Owners may do everything; admins everything but billing and members; staff run their own day. A visitor
who is not a member (a member of another organisation included) is told nothing exists here (404); a member
whose role does not reach a page is told so (403), since they know the back office is there."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from booking_core.selectors.member_scope import (
    EVERY_MEMBER_ROLE,
    MANAGER_ROLES,
    OWNER_ROLES,
    member_staff_scope,
    role_is_manager,
)
from public_site.pages import public_page
from tenants.accounts import AFTER_MFA_SETUP_SESSION_KEY, member_needs_mfa_setup
from tenants.models import Membership
from tenants.permissions import membership_role

Role = Membership.Role
# The roles and what a staff member reaches are decided once, in booking_core.selectors.member_scope, for the
# back office and the operator API alike.
EVERY_ROLE = EVERY_MEMBER_ROLE
MANAGERS = MANAGER_ROLES
OWNERS = OWNER_ROLES


def office_page(view=None, *, roles=EVERY_ROLE):
    """Decorate a back office view: `@office_page` for every member, `@office_page(roles=MANAGERS)` for some.
    Sets `request.office_role` and `request.office_staff_ids` (see `own_staff_ids`); no cache keeps what a
    member saw. When the organisation requires two-factor authentication, a member without an authenticator
    is sent to set one up first (and brought back here afterwards)."""

    def decorate(view):
        @public_page
        @wraps(view)
        def page(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role = membership_role(user=request.user, tenant=request.tenant)
            if role is None:
                raise Http404("Not a member of this organisation.")
            if member_needs_mfa_setup(request.user, request.tenant):
                if request.method == "GET":
                    request.session[AFTER_MFA_SETUP_SESSION_KEY] = request.get_full_path()
                return redirect("mfa_activate_totp")
            if role not in roles:
                raise PermissionDenied(_("Your role in this organisation does not allow this page."))
            request.office_role = role
            request.office_staff_ids = own_staff_ids(request.user, role)
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response

        page.office_roles = tuple(roles)
        return page

    return decorate(view) if view is not None else decorate


def own_staff_ids(user, role) -> list[int] | None:
    """What a member sees of the calendar: None (everything) for owners and admins; for staff the staff member
    whose calendar is theirs (an empty list when none is linked yet: they see no bookings)."""
    return member_staff_scope(user=user, role=role)


def is_manager(request) -> bool:
    return role_is_manager(getattr(request, "office_role", None))
