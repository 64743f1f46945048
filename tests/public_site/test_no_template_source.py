"""No page shows template source to its reader. Django's `{# #}` comments are single-line: one that spans lines
is printed as text (the individual service page showed "{# htmx swaps all of #picker ... #}" to every client).

Every named URL of the tenant hosts and the root domain (booking site, sign-in pages, back office, platform
admin, organisation sign-up) is either rendered here, from a scene with one of everything, and checked, or
excluded below with its reason; a new page that is neither fails the coverage test. The templates themselves
are scanned too, for the pages only a POST renders."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django_tenants.utils import schema_context

from billing.models import BookingPayment
from booking_core.acting import Actor
from booking_core.models import Booking
from booking_core.programmes.models import PlaceOffer, Programme
from booking_core.programmes.services.signups import signup_withdraw
from booking_core.services.bookings import booking_create_individual
from booking_core.webhooks.services import webhook_endpoint_create
from tenants.admin_site import tenant_admin_site
from tenants.members.services import invitation_create, invitation_revoke
from tenants.members.tokens import invitation_token
from tests.conftest import CHECKOUT_DIR, signed_in
from tests.factories import OPERATOR, client_details
from tests.programmes.factories import make_group, make_programme, one
from tests.public_site.conftest import start_parameter
from tests.public_site.waitlist_scene import free_a_seat, join, offer_of
from tests.support.sign_in import LOGIN_URL, SECOND_FACTOR_URL, forget_sign_in_limits, give_totp, password_step

# The scene's programme runs in December 2026 (tests/programmes/factories.py).

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("programmes_month_clock")]

TEMPLATE_SOURCE = re.compile(r"\{#|#\}|\{%|\{\{")
TENANT_URLS, ROOT_URLS = "allot.urls_tenant", "allot.urls_public"

# Named URLs that are not HTML pages, or not pages of their own, and why.
API_REASON = "the JSON API, its schema and Swagger UI (drf-spectacular's page), under api/"
NOT_PAGES = {
    r"robots-txt": "plain text",
    r"tenant-logo": "an image",
    r"booking-calendar|calendar-feed": "an .ics file",
    r"office-webhook-(rotate|test|delete|redeliver)": "webhook actions: a POST from the endpoint's page, answered "
                                                      "with a redirect (rotate shows the endpoint's page: checked)",
    r"booking-client-feed|office-calendar-feed-issue":
        "calendar feed actions: a POST from the manage page or the back office's calendar subscriptions, answered "
        "with a redirect",
    r"offer-open-image": "the tracking image of the offer email",
    r".*:(autocomplete|jsi18n)": "the admin's JSON and JavaScript",
    r".*:view_on_site": "a redirect to the object's page on the site",
    r".*:logout": "the admin's sign-out only takes a POST (and redirects)",
    r".*:(login|password_change|password_change_done)": "the admin's sign-in and password pages redirect to allauth's "
                                                       "(rendered here under their own names)",
    r"account_logout": "takes a POST; GET shows the same page as account_login signed in",
    r"offer-accept|offer-decline|waitlist-leave|programme-offer-accept|programme-offer-decline"
    r"|programme-signup-withdraw": "actions: a POST from their page, answered with a redirect to the status page "
                                   "(checked); a GET redirects there too",
    r"mfa_download_recovery_codes": "a text file of the recovery codes",
    r"account_confirm_login_code": "only during a sign-in by emailed code, which is not enabled",
    r"account_set_password": "for accounts without a password; every account has one (it redirects to "
                             "account_change_password, checked)",
    r"offer-seen": "the offer page's beacon: a POST answered with 204",
    r"office-handoff": "the sign-up's one-time hand-off: a redirect (its refusal page is checked in "
                       "tests/tenants/test_signup.py)",
    r"office-bookings-csv": "a CSV file",
    r"office-booking-note|office-client-merge": "back office actions: a POST from the booking's or the client's "
                                                "page, answered with a redirect (a GET redirects to the page)",
    r"office-offer-release|office-booking-(cancel|attendance|reschedule|confirm)": "back office actions: a POST from "
                                                                                  "the booking's or Today's page, "
                                                                                  "answered with a redirect",
    r"office-waitlist-(session-release|day-release|offer-release|offer-skip|offer-withdraw|entry-offer)":
        "back office waitlist actions: a POST from a waitlist queue's page, answered with a redirect to it",
    r"office-member-(invite|role|calendar|remove)|office-members-mfa-policy|office-invitation-(resend|revoke)":
        "members page actions: a POST from the members page, answered with a redirect to it (or the page itself "
        "with the refusal, checked in tests/backoffice/test_members.py)",
    r"office-catalogue-(question-new|question-delete|staff-add|staff-remove|session-new|series-new"
    r"|session-capacity|session-cancel)|office-settings-(save|logo)|office-programme-allocation-commit|office-programme-group":
        "back office catalogue and settings actions: a POST from their page, answered with a redirect (or the "
        "page again with the refusals, checked in tests/backoffice/test_catalogue.py and test_settings.py)",
    r"office-calendar-sync-(disconnect|now)": "calendar sync actions: a POST from a staff member's calendar sync "
                                             "page, answered with a redirect to it",
    r"organisation-signup-subdomain-check": "an htmx fragment of the sign-up page (plain text next to the field)",
    r"office-organisation-(export|close)": "the owners' leaving actions: a POST from the organisation page, answered "
                                           "with a redirect to it (its refusal re-renders that page: checked in "
                                           "tests/tenants/test_leaving.py)",
    r"office-organisation-export-download": "a zip file",
    r"office-invoice-pdf|booking-invoice-pdf|programme-offer-invoice-pdf": "an invoice's PDF "
        "(tests/billing/test_invoices.py, test_paid_place_offers_after.py); the pages linking to it (the "
        "booking's, the manage page, a paid place offer's payment page) are checked",
    r"programme-offer-payment": "a priced place offer's payment return page: the scene's offer has no payment, so it "
                                "redirects to the offer page (its states: tests/billing/test_paid_place_offers.py)",
    r"stripe-webhook-payments": "Stripe's webhook endpoint: a signed POST answered in plain text "
                                "(tests/billing/test_paid_bookings.py)",
    r"office-refund-policy-save": "back office refunds action: a POST from the cancellation policies page, answered "
                                  "with a redirect to it (tests/billing/test_refunds.py)",
    r"office-payments-(connect|return)": "back office payments actions: a POST to Stripe's onboarding, and the "
                                         "return from it, both answered with a redirect",
    r"stripe-webhook-billing": "Stripe Billing's webhook endpoint: a signed POST answered in plain text "
                               "(tests/billing/test_subscriptions.py)",
    r"office-billing-(checkout|portal)": "back office billing actions: a POST answered with a redirect to Stripe "
                                         "(or back to the billing page)",
    r"console:(tenant-suspend|tenant-resume|tenant-restore|owner-verification-resend|domain-add|domain-remove"
    r"|outbox-retry-dead|tenant-plan-set)":
        "console actions: a POST from the organisation's or the health page, answered with a redirect",
}
# Admin pages the admin refuses (403) even to the tenant's owner and to platform staff: models shown read-only
# (no adding, no deleting) and models platform staff cannot edit.
ADMIN_REFUSED = "refused by the admin to its own staff (403): read-only or not theirs"

# allauth pages that need a reason to be shown (a key from an email, a sign-in under way): reached with a
# key that does not exist, they render their "this link is not valid" page, which is checked.
ALLAUTH_ARGUMENTS = {"key": "nonexistent-key", "uidb36": "zz", "uidb64": "zz"}


# --- walking the URL configurations ---------------------------------------------------------------------------


def named_urls(urlconf: str) -> dict[str, str]:
    """Every named URL of the configuration: 'namespace:name' -> its route (with converters)."""
    found: dict[str, str] = {}

    def walk(patterns, namespace: str | None, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.setdefault(f"{namespace}:{pattern.name}" if namespace else pattern.name,
                                 prefix + str(pattern.pattern))

    walk(get_resolver(urlconf).url_patterns, None, "")
    return found


def reason_not_rendered(name: str, route: str) -> str | None:
    if route.startswith("api/"):
        return API_REASON
    return next((reason for pattern, reason in NOT_PAGES.items() if re.fullmatch(pattern, name)), None)


def template_source_in(html: str) -> list[str]:
    """The pieces of template syntax in a page, with some text around them."""
    return [html[max(0, match.start() - 40):match.end() + 40] for match in TEMPLATE_SOURCE.finditer(html)]


class Pages:
    """Fetches pages of one host, checks each for template source, and notes the URL names rendered."""

    def __init__(self, urlconf: str):
        self.urlconf = urlconf
        self.rendered: set[str] = set()
        self.refused: set[str] = set()
        self.outcomes: dict[str, list[int]] = {}
        self.leaks: dict[str, list[str]] = {}

    def check(self, client, path: str, *, expect=None, **extra):
        """GET the page (following redirects); a page counts as rendered when it answered 200 itself."""
        response = client.get(path, follow=True, **extra)
        assert response.status_code in expect if expect else response.status_code < 500, (path, response.status_code)
        if "html" in response.get("Content-Type", ""):
            leaks = template_source_in(response.content.decode())
            if leaks:
                self.leaks[path] = leaks
        try:
            match = resolve(path.split("?")[0], urlconf=self.urlconf)
        except Resolver404:
            return response
        name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
        self.outcomes.setdefault(name, []).append(
            f"{response.redirect_chain[0][1]} to {response.redirect_chain[0][0]}" if response.redirect_chain
            else response.status_code)
        if "html" in response.get("Content-Type", "") and response.status_code == 200 and not response.redirect_chain:
            self.rendered.add(name)
        if response.status_code == 403 and not response.redirect_chain:
            self.refused.add(name)
        return response


def recently_signed_in(client, user):
    """The client's session as right after a sign-in with a password: allauth's pages that ask to sign in
    again for sensitive changes (the second factor's setup) show themselves."""
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time(), "email": user.email,
                                                   "reauthenticated": True}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


# --- the scene -------------------------------------------------------------------------------------------------


@pytest.fixture
def scene(tenant_alpha, site, in_tenant):
    """One of everything a client can be sent to: a booking of each kind, a waitlist entry with an open
    offer, a programme with a sign-up and a place offer."""
    with in_tenant(tenant_alpha):
        individual = booking_create_individual(tenant=tenant_alpha, service=site.massage, staff=site.anna,
                                               starts_at=site.start, client=client_details(),
                                               answers={"topic": "back", "consent": True}, actor=OPERATOR)
        group = Booking.objects.filter(session=site.few_left_session).first()
        booked_out = site.start + dt.timedelta(days=1)  # a Thursday: both staff members booked all morning
        for member in (site.anna, site.max):
            for hour in (9, 10, 11):
                booking_create_individual(tenant=tenant_alpha, service=site.massage, staff=member,
                                          starts_at=booked_out.replace(hour=hour), client=client_details(),
                                          answers={"topic": "back", "consent": True}, actor=OPERATOR)
        waiting = join(site.full_session, seats=1)
        offered = join(site.full_session, seats=1)
        free_a_seat(tenant_alpha, site.full_session)
        offer = offer_of(waiting)
        programme = make_programme(slug="swimming-december", name_en="Swimming in December")
        monday = make_group(programme, 1, name_en="Mondays", location="Pool A")
        make_group(programme, 3, weekday=2, location="Pool B")
        taken = one(tenant_alpha, programme, [monday.pk])
        waiting_signup = one(tenant_alpha, programme, [monday.pk])
        signup_withdraw(tenant=tenant_alpha, signup=taken, actor=Actor.client("x@example.com"))
        place_offer = PlaceOffer.objects.get(signups=waiting_signup)
        assert Programme.objects.filter(slug="swimming-december").exists()
        endpoint = webhook_endpoint_create(actor=OPERATOR, url="http://127.0.0.1:9/hooks", description="CRM")
    connection.set_schema_to_public()
    # The group booking is being paid online (billing): its payment page shows the payment's state.
    BookingPayment.objects.create(tenant=tenant_alpha, booking_id=group.pk, amount=1500, currency="EUR",
                                  stripe_account_id="acct_scene", status=BookingPayment.Status.OPEN,
                                  checkout_session_id="cs_test_scene", checkout_url="https://checkout.stripe.com/x")
    return {"site": site, "individual": individual, "group": group, "entry": offered, "offer": offer,
            "programme": programme, "monday": monday, "signup": waiting_signup, "place_offer": place_offer,
            "endpoint": endpoint}


def booking_site_paths(scene) -> list[str]:
    site, day = scene["site"], scene["site"].start.date().isoformat()
    booked_out = (site.start + dt.timedelta(days=1)).date().isoformat()
    both_free = start_parameter(site.start.replace(hour=11))
    paths = ["/", "/?lang=hu", "/s/massage/", "/s/massage/?lang=de", f"/s/massage/day/{day}/",
             f"/s/massage/day/{day}/?staff={site.anna.pk}", f"/s/massage/day/{booked_out}/",
             f"/s/massage/day/{booked_out}/waitlist/", f"/s/massage/who/?start={both_free}",
             f"/s/massage/book/?start={start_parameter(site.start)}", "/s/swimming/",
             f"/s/swimming/sessions/{site.open_session.pk}/", f"/s/swimming/sessions/{site.few_left_session.pk}/",
             f"/s/swimming/sessions/{site.full_session.pk}/", f"/s/swimming/sessions/{site.full_session.pk}/waitlist/",
             f"/s/swimming/book/?session={site.few_left_session.pk}&seats=1",
             f"/s/swimming/book/?session={site.full_session.pk}&seats=1",
             "/p/swimming-december/", "/p/swimming-december/signup/"]
    for booking in (scene["individual"], scene["group"]):
        token = booking.manage_token
        paths += [f"/b/{token}/", f"/b/{token}/done/", f"/b/{token}/cancel/", f"/b/{token}/reschedule/",
                  f"/b/{token}/confirm/"]
    paths.append(f"/b/{scene['group'].manage_token}/payment/")
    offer, entry = scene["offer"].token, scene["entry"].token
    paths += [f"/o/{offer}/", f"/o/{offer}/accept/", f"/o/{offer}/decline/", f"/w/{entry}/", f"/w/{entry}/joined/",
              f"/w/{entry}/leave/"]
    signup, place = scene["signup"].token, scene["place_offer"].token
    paths += [f"/programmes/signups/{signup}/", f"/programmes/signups/{signup}/withdraw/",
              f"/programmes/offers/{place}/", f"/programmes/offers/{place}/accept/",
              f"/programmes/offers/{place}/decline/", f"/programmes/offers/{place}/payment/"]
    return paths


def allauth_paths(urlconf: str) -> list[str]:
    """Every allauth page, reversed with made-up keys where it needs one."""
    paths = []
    for name, route in named_urls(urlconf).items():
        if not route.startswith("accounts/") or reason_not_rendered(name, route):
            continue
        arguments = re.findall(r"<(?:\w+:)?(\w+)>", route)
        paths.append(reverse(name, urlconf=urlconf, kwargs={argument: ALLAUTH_ARGUMENTS.get(argument, "x")
                                                           for argument in arguments}))
    return paths


def admin_paths(site, urlconf: str, schema_name: str) -> list[str]:
    """The admin's index, each app's index, and each model's list and add form; for a model with a row in
    the scene, that row's change, history and delete pages too."""
    namespace = site.name
    paths = [reverse(f"{namespace}:index", urlconf=urlconf)]
    with schema_context(schema_name):
        for model in site._registry:
            info = (namespace, model._meta.app_label, model._meta.model_name)
            prefix = "{}:{}_{}".format(*info)
            paths.append(reverse(f"{namespace}:app_list", urlconf=urlconf, kwargs={"app_label": info[1]}))
            paths += [reverse(f"{prefix}_changelist", urlconf=urlconf), reverse(f"{prefix}_add", urlconf=urlconf)]
            row = model._default_manager.order_by("-pk").first()  # the newest: for tenants, not the public one
            if row is not None:
                paths += [reverse(f"{prefix}_{page}", urlconf=urlconf, args=[row.pk])
                          for page in ("change", "history", "delete")]
    connection.set_schema_to_public()
    return list(dict.fromkeys(paths))


def admin_object_names_without_rows(site, schema_name: str) -> set[str]:
    """Per-object admin pages of models the scene has no row of (so they cannot be rendered here)."""
    names = set()
    with schema_context(schema_name):
        for model in site._registry:
            if not model._default_manager.exists():
                names |= {f"{site.name}:{model._meta.app_label}_{model._meta.model_name}_{page}"
                          for page in ("change", "history", "delete")}
    connection.set_schema_to_public()
    return names


# --- the tests -------------------------------------------------------------------------------------------------


def test_no_page_of_any_host_shows_template_source(scene, tenant_alpha, client_for, member_client, staff_client,
                                                  user):
    tenant_pages, root_pages = Pages(TENANT_URLS), Pages(ROOT_URLS)
    # when: every booking-site page, as a client (and the actions behind the buttons, which show a page on GET)
    for path in booking_site_paths(scene):
        tenant_pages.check(client_for(tenant_alpha), path)
    # and every sign-in page of both hosts, signed out and signed in
    # (a member without a second factor, one with an authenticator and recovery codes, platform staff likewise,
    # and someone signed in on the root domain without one)
    owner, staff = member_client(tenant_alpha, "alpha_owner"), staff_client()
    with_totp = member_client(tenant_alpha, "alpha_staff")
    outsider = signed_in(client_for(None), user("outsider"), settings.PUBLIC_SCHEMA_NAME)
    give_totp(user("alpha_staff"))
    for member in ("alpha_staff", "platform_staff"):
        RecoveryCodes.activate(user(member))
    for client, member in ((owner, "alpha_owner"), (with_totp, "alpha_staff"), (staff, "platform_staff"),
                           (outsider, "outsider")):
        recently_signed_in(client, user(member))
    for pages, clients in ((tenant_pages, (client_for(tenant_alpha), owner, with_totp)),
                           (root_pages, (client_for(None), staff, outsider))):
        for client in clients:
            for path in allauth_paths(pages.urlconf):
                pages.check(client, path)
    # and the second factor's step of a sign-in, on both hosts
    forget_sign_in_limits()
    for pages, tenant, email in ((root_pages, None, "platform_staff@example.com"),
                                 (tenant_pages, tenant_alpha, "alpha_staff@example.com")):
        signing_in = client_for(tenant)
        assert password_step(signing_in, email, REMOTE_ADDR="198.51.100.28").status_code == 302
        pages.check(signing_in, SECOND_FACTOR_URL)
    # and the back office, and the root domain's pages and platform admin
    # (with the admin's pages of their own: the waitlist's figures and a session's list, a programme's log and
    # allocation, a user's password)
    own_pages = [reverse("tenant_admin:booking_core_waitlist_figures", urlconf=TENANT_URLS)] + [
        reverse(f"tenant_admin:{name}", urlconf=TENANT_URLS, args=[pk]) for name, pk in (
            ("booking_core_waitlist_session", scene["site"].full_session.pk),
            ("programmes_programme_log", scene["programme"].pk),
            ("programmes_programme_allocation", scene["programme"].pk))]
    for path in admin_paths(tenant_admin_site, TENANT_URLS, tenant_alpha.schema_name) + own_pages:
        tenant_pages.check(owner, path)
    for path in ("/office/", "/office/today/", "/office/bookings/", "/office/bookings/?status=confirmed",
                 f"/office/bookings/{scene['individual'].pk}/", f"/office/bookings/{scene['group'].pk}/",
                 "/office/waitlist/", "/office/waitlist/figures/", "/office/calendar-feeds/", "/office/webhooks/",
                 f"/office/webhooks/{scene['endpoint'].pk}/",
                 "/office/waitlist/", "/office/waitlist/figures/", "/office/organisation/",
                 "/office/waitlist/", "/office/waitlist/figures/", "/office/payments/",
                 "/office/waitlist/", "/office/waitlist/figures/", "/office/calendar-feeds/",
                 "/office/calendar-sync/", f"/office/calendar-sync/{scene['site'].anna.pk}/",
                 "/office/refund-policies/",
                 "/office/invoicing/",
                 "/office/waitlist/figures/?date_from=2026-01-02&date_to=2026-01-01",
                 f"/office/waitlist/session/{scene['site'].full_session.pk}/",
                 f"/office/waitlist/service/{scene['individual'].service_id}/"
                 f"{scene['individual'].starts_at.date().isoformat()}/"):
        tenant_pages.check(owner, path)
    # (the members and security pages, and an invitation's link: valid, and used up)
    for path in ("/office/members/", "/office/security/", "/office/billing/"):
        tenant_pages.check(owner, path)
    invitation = invitation_create(tenant=tenant_alpha, email="invited@example.com", role="staff")
    invitation_path = reverse("office-invitation", urlconf=TENANT_URLS, args=[invitation_token(invitation.key_salt)])
    tenant_pages.check(client_for(tenant_alpha), invitation_path)
    invitation_revoke(tenant=tenant_alpha, invitation_id=invitation.pk)
    tenant_pages.check(client_for(tenant_alpha), invitation_path, expect=(410,))
    # (the catalogue and the settings, for managers)
    site = scene["site"]
    topic = site.massage.form_fields.get(key="topic")
    for path in ("/office/catalogue/services/", "/office/catalogue/services/new/",
                 f"/office/catalogue/services/{site.massage.pk}/",
                 f"/office/catalogue/services/{site.massage.pk}/questions/{topic.pk}/",
                 "/office/catalogue/staff/", f"/office/catalogue/staff/{site.anna.pk}/",
                 "/office/catalogue/sessions/", f"/office/catalogue/sessions/{site.full_session.pk}/",
                 "/office/settings/", "/office/settings/jobs/", "/office/settings/notifications/",
                 "/office/settings/notifications/booking.confirmed/",
                 "/office/settings/notifications/waitlist.offer/", "/office/programmes/",
                 f"/office/programmes/{scene['programme'].pk}/", f"/office/programmes/{scene['programme'].pk}/log/",
                 f"/office/programmes/{scene['programme'].pk}/allocation/",
                 # creating and editing programmes and their groups (no longer the admin's)
                 "/office/programmes/new/", f"/office/programmes/{scene['programme'].pk}/edit/",
                 f"/office/programmes/{scene['programme'].pk}/groups/new/",
                 f"/office/programmes/{scene['programme'].pk}/groups/{scene['monday'].pk}/"):
        tenant_pages.check(owner, path)
    # (the calendar, clients, book for a client: issue 14 items 2 and 3)
    for path in ("/office/calendar/", "/office/calendar/?view=day", "/office/calendar/?view=year",
                 f"/office/calendar/?date={scene['individual'].starts_at.date().isoformat()}",
                 "/office/clients/", "/office/clients/?q=a", f"/office/clients/{scene['individual'].client_id}/",
                 "/office/bookings/new/",
                 f"/office/bookings/new/{scene['individual'].service_id}/",
                 f"/office/bookings/new/{scene['group'].service_id}/"):
        tenant_pages.check(owner, path)
    for path in ("/", "/signup/", "/signup/?lang=hu"):
        root_pages.check(client_for(None), path)
    for path in ("/console/", "/console/?q=alpha", f"/console/tenants/{tenant_alpha.pk}/", "/console/audit/",
                 "/console/health/"):
        root_pages.check(staff, path)
    for path in admin_paths(admin.site, ROOT_URLS, settings.PUBLIC_SCHEMA_NAME) + [
            reverse("admin:auth_user_password_change", urlconf=ROOT_URLS, args=[user("outsider").pk])]:
        root_pages.check(staff, path)
    # and the error pages: 404 on both hosts, 429 of a rate-limited sign-in
    tenant_pages.check(client_for(tenant_alpha), "/no-such-page/", expect=(404,))
    root_pages.check(client_for(None), "/no-such-page/", expect=(404,))
    forget_sign_in_limits()
    try:
        limited = client_for(tenant_alpha)
        for _ in range(31):
            response = limited.post(LOGIN_URL, {"login": "nobody@example.com", "password": "wrong"},
                                    REMOTE_ADDR="198.51.100.29")
    finally:
        forget_sign_in_limits()
    assert response.status_code == 429
    # then
    assert tenant_pages.leaks == {} and root_pages.leaks == {}
    assert template_source_in(response.content.decode()) == []
    # and every named page was rendered or is excluded with a reason
    missing = {}
    for pages, schema in ((tenant_pages, tenant_alpha.schema_name), (root_pages, settings.PUBLIC_SCHEMA_NAME)):
        site = tenant_admin_site if pages.urlconf == TENANT_URLS else admin.site
        without_rows = admin_object_names_without_rows(site, schema)
        refused_admin_pages = {name for name in pages.refused if name.startswith(f"{site.name}:")}  # ADMIN_REFUSED
        missing[pages.urlconf] = {
            name: pages.outcomes.get(name, "never requested") for name, route in named_urls(pages.urlconf).items()
            if name not in pages.rendered | without_rows | refused_admin_pages and not reason_not_rendered(name, route)}
    assert missing == {TENANT_URLS: {}, ROOT_URLS: {}}


def test_no_template_has_a_comment_that_spans_lines():
    # given: every template of the project (not of the installed libraries)
    folders = [Path(config.path) / "templates" for config in apps.get_app_configs()
               if Path(config.path).is_relative_to(CHECKOUT_DIR) and (Path(config.path) / "templates").is_dir()]
    folders += [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    # when
    spanning = [f"{template.relative_to(CHECKOUT_DIR)}:{number}"
                for folder in folders for template in sorted(folder.rglob("*")) if template.is_file()
                for number, line in enumerate(template.read_text().splitlines(), 1)
                if line.count("{#") > line.count("#}")]
    # then: Django prints such a comment as text; multi-line comments are {% comment %} ... {% endcomment %}
    assert folders and spanning == []
