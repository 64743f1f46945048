"""Roles in the back office: every page and action by owner, admin and staff (allowed or refused), staff seeing
their own calendar only, and another organisation's ids being 404s."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import URLPattern, reverse

from booking_core.backoffice import urls as office_urls
from booking_core.models import Booking
from booking_core.services.staff_links import staff_member_link_user
from tenants.members.services import invitation_create
from tenants.members.tokens import invitation_token
from tenants.models import Membership
from tests.factories import OPERATOR

pytestmark = pytest.mark.django_db

MISSING = 999_999


# The scene (roles_scene) and the signed-in members (as_role) are in tests/backoffice/conftest.py.


ALL = {"owner": 200, "admin": 200, "staff": 200}
MANAGERS_ONLY = {"owner": 200, "admin": 200, "staff": 403}
OWNERS_ONLY = {"owner": 200, "admin": 403, "staff": 403}


def _statuses(base: dict, allowed: int) -> dict:
    return {role: allowed if status == 200 else status for role, status in base.items()}


# url name -> (method, arguments from the scene, POST data, expected status by role). A POST that passes the
# role check answers with its redirect (302); one about an id that does not exist answers 404.
TABLE = {
    "office-home": ("get", lambda s: [], None, ALL),
    "office-today": ("get", lambda s: [], None, ALL),
    "office-bookings": ("get", lambda s: [], None, ALL),
    "office-bookings-csv": ("get", lambda s: [], None, ALL),
    "office-booking": ("get", lambda s: [s["annas"].pk], None, ALL),
    "office-booking-cancel": ("post", lambda s: [s["annas"].pk], {"reason": "ill"}, _statuses(ALL, 302)),
    "office-booking-attendance": ("post", lambda s: [s["annas"].pk], {"attended": "1"}, _statuses(ALL, 302)),
    "office-booking-reschedule": ("post", lambda s: [s["annas"].pk], {"date": "2026-06-12", "time": "12:00"},
                                  _statuses(ALL, 302)),
    "office-booking-confirm": ("post", lambda s: [s["annas"].pk], {}, _statuses(ALL, 302)),
    "office-offer-release": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-waitlist": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-waitlist-figures": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-waitlist-session": ("get", lambda s: [s["session"].pk], None, MANAGERS_ONLY),
    "office-waitlist-session-release": ("post", lambda s: [s["session"].pk], {}, _statuses(MANAGERS_ONLY, 302)),
    "office-waitlist-day": ("get", lambda s: [s["massage"].pk, "2026-06-12"], None, MANAGERS_ONLY),
    "office-waitlist-day-release": ("post", lambda s: [s["massage"].pk, "2026-06-12"], {},
                                    _statuses(MANAGERS_ONLY, 302)),
    "office-waitlist-offer-release": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-waitlist-offer-skip": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-waitlist-offer-withdraw": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-waitlist-entry-offer": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-members": ("get", lambda s: [], None, OWNERS_ONLY),
    "office-member-invite": ("post", lambda s: [], {"email": "friend@example.com", "role": "admin"},
                             _statuses(OWNERS_ONLY, 302)),
    "office-members-mfa-policy": ("post", lambda s: [], {}, _statuses(OWNERS_ONLY, 302)),
    "office-member-role": ("post", lambda s: [s["leaving"].pk], {"role": "admin"}, _statuses(OWNERS_ONLY, 302)),
    "office-member-calendar": ("post", lambda s: [s["leaving"].pk], lambda s: {"staff": str(s["bela"].pk)},
                               _statuses(OWNERS_ONLY, 302)),
    "office-member-remove": ("post", lambda s: [s["leaving"].pk], {}, _statuses(OWNERS_ONLY, 302)),
    "office-invitation-resend": ("post", lambda s: [s["invitation"].pk], {}, _statuses(OWNERS_ONLY, 302)),
    "office-invitation-revoke": ("post", lambda s: [s["invitation"].pk], {}, _statuses(OWNERS_ONLY, 302)),
    "office-security": ("get", lambda s: [], None, ALL),
    # Calendar subscriptions (missing from the table on main when calendar sync was added).
    "office-calendar-feeds": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-calendar-feed-issue": ("post", lambda s: [], {}, _statuses(MANAGERS_ONLY, 302)),
    # Calendar sync: every member, a staff member for their own calendar only (Anna is alpha_staff's).
    "office-calendar-sync": ("get", lambda s: [], None, ALL),
    "office-calendar-sync-staff": ("get", lambda s: [s["anna"].pk], None, ALL),
    "office-calendar-sync-disconnect": ("post", lambda s: [s["anna"].pk], {}, _statuses(ALL, 302)),
    "office-calendar-sync-now": ("post", lambda s: [s["anna"].pk], {}, _statuses(ALL, 302)),
    # The invitation link is for someone who is not a member yet: every visitor may open it.
    "office-invitation": ("get", lambda s: [invitation_token(s["invitation"].key_salt)], None, ALL),
    "office-organisation": ("get", lambda s: [], None, OWNERS_ONLY),
    "office-organisation-export": ("post", lambda s: [], {}, _statuses(OWNERS_ONLY, 302)),
    "office-organisation-export-download": ("get", lambda s: ["NoSuchExportToken123"], None,
                                            _statuses(OWNERS_ONLY, 404)),
    # Without the subdomain typed, closing is refused next to the field (400) and nothing changes.
    "office-organisation-close": ("post", lambda s: [], {}, _statuses(OWNERS_ONLY, 400)),
    "office-catalogue-services": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-catalogue-service-new": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-catalogue-service": ("get", lambda s: [s["massage"].pk], None, MANAGERS_ONLY),
    "office-catalogue-question-new": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-catalogue-question": ("get", lambda s: [s["massage"].pk, MISSING], None, _statuses(MANAGERS_ONLY, 404)),
    "office-catalogue-question-delete": ("post", lambda s: [s["massage"].pk, MISSING], {},
                                         _statuses(MANAGERS_ONLY, 404)),
    "office-catalogue-staff": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-catalogue-staff-member": ("get", lambda s: [s["anna"].pk], None, MANAGERS_ONLY),
    "office-catalogue-staff-add": ("post", lambda s: [MISSING, "hours"], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-catalogue-staff-remove": ("post", lambda s: [s["anna"].pk, "hours", MISSING], {},
                                      _statuses(MANAGERS_ONLY, 404)),
    "office-catalogue-sessions": ("get", lambda s: [], None, MANAGERS_ONLY),
    # Sessions are created from the sessions page's forms: an empty form is refused next to its fields (400).
    "office-catalogue-session-new": ("post", lambda s: [], {}, _statuses(MANAGERS_ONLY, 400)),
    "office-catalogue-series-new": ("post", lambda s: [], {}, _statuses(MANAGERS_ONLY, 400)),
    "office-catalogue-session": ("get", lambda s: [s["session"].pk], None, MANAGERS_ONLY),
    "office-catalogue-session-capacity": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-catalogue-session-cancel": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-settings": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-settings-logo": ("post", lambda s: [], {}, _statuses(MANAGERS_ONLY, 400)),
    "office-settings-save": ("post", lambda s: ["no-such-section"], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-job-runs": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-notifications": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-notification-texts": ("get", lambda s: ["no.such.event"], None, _statuses(MANAGERS_ONLY, 404)),
    "office-programmes": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-programme": ("get", lambda s: [MISSING], None, _statuses(MANAGERS_ONLY, 404)),
    "office-programme-allocation": ("get", lambda s: [MISSING], None, _statuses(MANAGERS_ONLY, 404)),
    "office-programme-allocation-commit": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-programme-log": ("get", lambda s: [MISSING], None, _statuses(MANAGERS_ONLY, 404)),
    "office-programme-group": ("post", lambda s: [MISSING, MISSING, "cancel"], {}, _statuses(MANAGERS_ONLY, 404)),
    # Creating and editing programmes and groups: an empty form is refused next to its fields (400).
    "office-programme-new": ("post", lambda s: [], {}, _statuses(MANAGERS_ONLY, 400)),
    "office-programme-edit": ("get", lambda s: [MISSING], None, _statuses(MANAGERS_ONLY, 404)),
    "office-programme-group-new": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-programme-group-edit": ("get", lambda s: [MISSING, MISSING], None, _statuses(MANAGERS_ONLY, 404)),
    "office-payments": ("get", lambda s: [], None, OWNERS_ONLY),
    "office-payments-connect": ("post", lambda s: [], {}, _statuses(OWNERS_ONLY, 302)),
    "office-payments-return": ("get", lambda s: [], None, _statuses(OWNERS_ONLY, 302)),
    # Invoices (issue 15 item 3): the seller details are the owners'; an unknown number is a 404 for managers.
    "office-invoicing": ("get", lambda s: [], None, OWNERS_ONLY),
    "office-invoice-pdf": ("get", lambda s: ["INV-2026-999999"], None, _statuses(MANAGERS_ONLY, 404)),
    "office-billing": ("get", lambda s: [], None, OWNERS_ONLY),
    "office-billing-checkout": ("post", lambda s: [], {"plan": "starter"}, _statuses(OWNERS_ONLY, 302)),
    "office-billing-portal": ("post", lambda s: [], {}, _statuses(OWNERS_ONLY, 302)),
    # Staff see their own calendar (checked in test_staff_see_only_their_own_calendar).
    "office-calendar": ("get", lambda s: [], None, ALL),
    "office-clients": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-client": ("get", lambda s: [MISSING], None, _statuses(MANAGERS_ONLY, 404)),
    "office-client-merge": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-booking-new": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-booking-new-for-service": ("get", lambda s: [s["massage"].pk], None, MANAGERS_ONLY),
    "office-booking-note": ("post", lambda s: [s["annas"].pk], {"note": "Prefers the window seat"},
                            _statuses(ALL, 302)),
    # Refunds (issue 15 item 2): cancellation policies per paid service.
    "office-refund-policies": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-refund-policy-save": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-webhooks": ("get", lambda s: [], None, MANAGERS_ONLY),
    "office-webhook": ("get", lambda s: [MISSING], None, _statuses(MANAGERS_ONLY, 404)),
    "office-webhook-rotate": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-webhook-test": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-webhook-delete": ("post", lambda s: [MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
    "office-webhook-redeliver": ("post", lambda s: [MISSING, MISSING], {}, _statuses(MANAGERS_ONLY, 404)),
}
# Not a back office page: the sign-up's one-time hand-off to the new organisation (tests/tenants/test_signup.py).
NOT_IN_TABLE = {"office-handoff"}


def test_the_table_names_every_back_office_address():
    names = {pattern.name for pattern in office_urls.urlpatterns if isinstance(pattern, URLPattern)}
    assert names - NOT_IN_TABLE == set(TABLE)


CASES = [(name, role) for name in TABLE for role in ("owner", "admin", "staff")]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{name}-{role}" for name, role in CASES])
def test_each_page_and_action_by_role(as_role, roles_scene, name, role):
    # given: a member with the role
    method, arguments, data, expected = TABLE[name]
    client = as_role(role)
    url = reverse(name, args=arguments(roles_scene))
    # when: they open the page or send the action
    data = data(roles_scene) if callable(data) else data
    response = client.get(url) if method == "get" else client.post(url, data)
    # then: the role decides
    assert response.status_code == expected[role], (name, role, response.status_code)


def test_a_refused_action_changes_nothing(as_role, roles_scene, tenant_alpha):
    # when: an admin tries to remove a member and to invite someone
    admin = as_role("admin")
    assert admin.post(reverse("office-member-remove", args=[roles_scene["leaving"].pk])).status_code == 403
    assert admin.post(reverse("office-member-invite"), {"email": "x@example.com", "role": "owner"}).status_code == 403
    # then: the member stays and nobody is invited
    assert Membership.objects.filter(pk=roles_scene["leaving"].pk).exists()
    assert not tenant_alpha.invitations.filter(email="x@example.com").exists()


# --- staff see their own calendar ------------------------------------------------------------------------------


def _listed(response) -> set[int]:
    return {booking.pk for booking in response.context["page"].object_list}


def test_staff_see_only_their_own_bookings_in_the_list_and_today(as_role, roles_scene):
    s = roles_scene
    staff, owner = as_role("staff"), as_role("owner")
    assert _listed(staff.get("/office/bookings/")) == {s["annas"].pk, s["annas_today"].pk}
    assert _listed(owner.get("/office/bookings/")) == {s["annas"].pk, s["belas"].pk, s["annas_today"].pk,
                                                       s["belas_today"].pk}
    today = staff.get("/office/today/")
    assert [booking.pk for booking in today.context["appointments"]] == [s["annas_today"].pk]
    assert today.context["sessions"] == [] and today.context["prepared_offers"] == []
    html = today.content.decode()
    assert "Tóth Anna" in html and "Szabó Éva" not in html
    assert 'href="/office/waitlist/"' not in html and 'href="/office/members/"' not in html
    csv_text = b"".join(staff.get("/office/bookings.csv").streaming_content).decode()
    assert "dora@example.hu" in csv_text and "peter@example.hu" not in csv_text


def test_staff_get_404_for_another_staff_members_booking_and_change_nothing(as_role, roles_scene, in_tenant,
                                                                            tenant_alpha):
    staff = as_role("staff")
    belas = roles_scene["belas"]
    assert staff.get(f"/office/bookings/{belas.pk}/").status_code == 404
    assert staff.post(f"/office/bookings/{belas.pk}/cancel/", {"reason": "mine now"}).status_code == 404
    with in_tenant(tenant_alpha):
        assert Booking.objects.get(pk=belas.pk).status == Booking.Status.CONFIRMED


def test_staff_without_a_calendar_see_no_bookings(as_role, roles_scene, in_tenant, tenant_alpha, user):
    with in_tenant(tenant_alpha):
        staff_member_link_user(staff_id=None, user_id=user("alpha_staff").pk, actor=OPERATOR)
    connection.set_schema_to_public()
    assert _listed(as_role("staff").get("/office/bookings/")) == set()


# --- another organisation --------------------------------------------------------------------------------------


def test_another_organisations_member_and_invitation_ids_are_404s_and_change_nothing(member_client, tenant_alpha,
                                                                                   tenant_beta, user):
    # given: beta's owner, and an invitation of alpha
    beta = member_client(tenant_beta, "beta_owner")
    alpha_staff = Membership.objects.get(tenant=tenant_alpha, user=user("alpha_staff"))
    alpha_invitation = invitation_create(tenant=tenant_alpha, email="someone@example.com", role="staff")
    # when: beta's owner aims beta's member pages at alpha's ids
    assert beta.post(f"/office/members/{alpha_staff.pk}/role/", {"role": "owner"}).status_code == 404
    assert beta.post(f"/office/members/{alpha_staff.pk}/remove/").status_code == 404
    assert beta.post(f"/office/members/invitations/{alpha_invitation.pk}/revoke/").status_code == 404
    assert beta.post(f"/office/members/invitations/{alpha_invitation.pk}/resend/").status_code == 404
    # then: nothing changed
    alpha_staff.refresh_from_db()
    alpha_invitation.refresh_from_db()
    assert alpha_staff.role == "staff"
    assert alpha_invitation.revoked_at is None and alpha_invitation.is_open


def test_another_organisations_booking_id_is_a_404_for_every_role(member_client, tenant_beta, roles_scene, as_role):
    annas = roles_scene["annas"]
    assert member_client(tenant_beta, "beta_owner").get(f"/office/bookings/{annas.pk}/").status_code == 404
    assert as_role("owner").get(f"/office/bookings/{annas.pk}/").status_code == 200


def test_staff_see_only_their_own_calendar(as_role, roles_scene):
    # given: Anna's and Béla's appointments this week; the staff member's account is linked to Anna
    week = as_role("staff").get("/office/calendar/?date=2026-06-10")
    manager_week = as_role("admin").get("/office/calendar/?date=2026-06-10")
    # then: the staff member's week shows Anna's bookings only, the admin's both
    def booked(response) -> set[int]:
        return {booking.pk for day in response.context["days"] for booking in day.appointments}

    everyone = {roles_scene[name].pk for name in ("annas", "annas_today", "belas", "belas_today")}
    assert booked(manager_week) == everyone
    assert booked(week) == {roles_scene["annas"].pk, roles_scene["annas_today"].pk}
    assert week.context["days"][2].sessions == []  # sessions have no staff member: not on a staff calendar
    # and asking for Béla's calendar by hand is refused
    assert as_role("staff").get(f"/office/calendar/?staff={roles_scene['bela'].pk}").status_code == 400

