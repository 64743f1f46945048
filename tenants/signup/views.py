"""HTTP for the organisation sign-up: the form and the subdomain check on the root domain, the hand-off on the
new organisation's host. Views only parse, call the service or selector, and render."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.core.ratelimit import consume
from django.contrib.auth import get_user_model, login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from allot.errors import ApplicationError
from public_site.pages import public_page
from tenants.accounts import organisation_signup_open, too_many_requests
from tenants.permissions import membership_role
from tenants.signup.forms import OrganisationSignUpForm
from tenants.signup.handoff import HandoffRefusal, handoff_consume, handoff_issue
from tenants.signup.services import organisation_sign_up
from tenants.slugs import SLUG_PROBLEM_MESSAGES, slug_host, slug_normalise, slug_problem

HANDOFF_PATH = "/office/handoff/"
OFFICE_PATH = "/office/"


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    return response


def _over_the_limit(request) -> bool:
    """Counts this sign-up form against the limits per address and per email address (allauth's, in Redis)."""
    email = (request.POST.get("email") or "").strip().lower()
    return not consume(request, action="organisation_signup", key=email)


def handoff_url(request, tenant, token: str) -> str:
    """Where the new owner continues: their own host, with the scheme and port the browser used for the sign-up
    (the port as the browser sent it in Host, which a proxy in front does not change)."""
    _host, separator, port = request.get_host().rpartition(":")
    port = f":{port}" if separator and port.isdigit() else ""
    return f"{request.scheme}://{slug_host(tenant.slug)}{port}{HANDOFF_PATH}?token={token}"


@public_page
def organisation_signup(request):
    language = get_language()
    if request.method != "POST":
        form = OrganisationSignUpForm(language=language)
        return _private(render(request, "signup/signup.html", {"form": form}))
    if _over_the_limit(request):
        return too_many_requests(request)
    form = OrganisationSignUpForm(request.POST, language=language)
    error = None
    if form.is_valid():
        try:
            with organisation_signup_open(request):
                if not get_adapter(request).is_open_for_signup(request):
                    raise PermissionDenied
                signed_up = organisation_sign_up(**form.service_arguments(), language=language)
        except ApplicationError as refusal:
            unplaced = form.add_service_errors(refusal.fields)
            error = " ".join(unplaced) or None
        else:
            token = handoff_issue(user=signed_up.user, tenant=signed_up.tenant)
            return redirect(handoff_url(request, signed_up.tenant, token))
    # A subdomain that passed says where the site will be, as the check did while it was typed.
    checked_slug = form.cleaned_data.get("slug") if not form.has_error("slug") else None
    return _private(render(request, "signup/signup.html", {
        "form": form, "error": error, "slug_host": slug_host(checked_slug) if checked_slug else None,
    }, status=400))


@require_GET
@public_page
def subdomain_check(request):
    """The htmx answer next to the subdomain field: available, taken, reserved or invalid."""
    slug = slug_normalise(request.GET.get("slug"))
    problem = slug_problem(slug) if slug else None
    context = {"slug": slug, "problem": problem.value if problem else None,
               "message": SLUG_PROBLEM_MESSAGES[problem] if problem else None, "host": slug_host(slug)}
    return _private(render(request, "signup/_subdomain_check.html", context))


HANDOFF_REFUSALS = {
    HandoffRefusal.UNKNOWN: "unknown",
    HandoffRefusal.EXPIRED: "expired",
    HandoffRefusal.OTHER_HOST: "other_host",
}


@public_page
def handoff(request):
    """Sign the new owner in on their own host with the one-time token from the sign-up, then the back office."""
    result = handoff_consume(token=request.GET.get("token", ""), schema_name=connection.schema_name)
    user = None
    if result.user_id is not None:
        user = get_user_model().objects.filter(pk=result.user_id, is_active=True).first()
        if user is not None and membership_role(user=user, tenant=request.tenant) is None:
            user = None
    if user is None:
        reason = HANDOFF_REFUSALS[result.refusal] if result.refusal else "unknown"
        return _private(render(request, "signup/handoff_refused.html", {"reason": reason}, status=400))
    # Not allauth's login flow: that would stop at the unconfirmed email address, which the owner confirms later.
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return _private(redirect(OFFICE_PATH))
