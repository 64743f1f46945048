"""Members from the back office: invitations by email (sent after commit, accepted with a new or an existing
account, expired, revoked, sent again, reused, on the wrong host), role changes and removals with the last
owner kept, the organisation's two-factor requirement, and an audit entry for every change."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection

from allot.outbox.delivery import deliver
from allot.outbox.models import OutboxMessage
from booking_core.models import AuditEntry, Service, StaffMember
from tenants.members.services import INVITATION_EVENT
from tenants.models import Invitation, Membership, PlatformAuditEntry
from tests.backoffice.clock import NOW
from tests.conftest import PASSWORD
from tests.factories import make_service, make_staff

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture
def anna(tenant_alpha, in_tenant):
    with in_tenant(tenant_alpha):
        massage = make_service(Service.Kind.INDIVIDUAL, name_en="Massage")
        member = make_staff(massage, name="Anna")
    connection.set_schema_to_public()
    return member


def invite(owner, email: str, role: str = "staff", staff=None):
    data = {"email": email, "role": role}
    if staff is not None:
        data["staff"] = str(staff.pk)
    return owner.post("/office/members/invite/", data)


def delivered_link(tenant, in_tenant, email: str) -> str:
    """Deliver the invitation email to `email` as a worker would; the path of the link in it."""
    [row] = OutboxMessage.objects.filter(event_type=INVITATION_EVENT, recipient=email, status="pending")
    with in_tenant(tenant):
        assert deliver(row.pk) == "sent"
    connection.set_schema_to_public()
    [message] = [message for message in mail.outbox if message.to == [email]][-1:]
    return urlsplit(re.search(r"https?://\S+/office/invitation/\S+/", message.body).group(0)).path


def actions(tenant) -> list[str]:
    return list(PlatformAuditEntry.objects.filter(tenant_id=tenant.pk).order_by("id").values_list("action", flat=True))


# --- inviting and accepting ------------------------------------------------------------------------------------


def test_an_invited_staff_member_creates_an_account_and_lands_in_the_back_office_with_their_calendar(
        owner, client_for, tenant_alpha, in_tenant, anna):
    # when: the owner invites someone as staff, with Anna's calendar
    response = invite(owner, "Zoe@Example.com", staff=anna)
    assert response.status_code == 302
    # then: one email is written to the outbox with the change, nothing is sent before a worker delivers it
    invitation = Invitation.objects.get(tenant=tenant_alpha, email="zoe@example.com")
    assert (invitation.role, invitation.staff_member_id) == ("staff", anna.pk)
    assert mail.outbox == []
    path = delivered_link(tenant_alpha, in_tenant, "zoe@example.com")
    assert "Alpha Studio" in mail.outbox[0].subject
    # and the token is not stored, only its hash
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert token not in (invitation.token_hash, invitation.key_salt)

    # when: the invitee opens the link and creates their account
    visitor = client_for(tenant_alpha)
    page = visitor.get(path)
    assert page.status_code == 200 and "zoe@example.com" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    accepted = visitor.post(path, {"full_name": "Zoé Kovács", "password1": NEW_PASSWORD,
                                   "password2": NEW_PASSWORD})

    # then: they are signed in and sent to the back office, as staff, with Anna's calendar
    assert accepted.status_code == 302 and accepted["Location"] == "/office/"
    assert visitor.get("/office/today/").status_code == 200
    user = get_user_model().objects.get(email="zoe@example.com")
    assert user.full_name == "Zoé Kovács" and user.emailaddress_set.get().verified
    assert Membership.objects.get(tenant=tenant_alpha, user=user).role == "staff"
    with in_tenant(tenant_alpha):
        assert StaffMember.objects.get(pk=anna.pk).user_id == user.pk
        assert list(AuditEntry.objects.filter(object_type="staffmember", object_id=anna.pk)
                    .values_list("action", flat=True)) == ["staff.linked"]
    connection.set_schema_to_public()
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and not invitation.is_open
    assert actions(tenant_alpha)[-4:] == ["invitation.created", "user.created", "membership.added",
                                          "invitation.accepted"]

    # and the link cannot be used again
    again = client_for(tenant_alpha).get(path)
    assert again.status_code == 410 and "used already" in again.content.decode()


def test_someone_with_an_account_accepts_with_their_password(owner, client_for, tenant_alpha, in_tenant, user):
    invite(owner, "outsider@example.com", role="admin")
    path = delivered_link(tenant_alpha, in_tenant, "outsider@example.com")
    visitor = client_for(tenant_alpha)
    assert "enter your password" in visitor.get(path).content.decode()
    # a wrong password changes nothing
    wrong = visitor.post(path, {"password": "not-it"})
    assert wrong.status_code == 400
    assert not Membership.objects.filter(tenant=tenant_alpha, user=user("outsider")).exists()
    # the right one makes them an admin, signed in
    accepted = visitor.post(path, {"password": PASSWORD})
    assert accepted.status_code == 302 and accepted["Location"] == "/office/"
    assert Membership.objects.get(tenant=tenant_alpha, user=user("outsider")).role == "admin"
    assert visitor.get("/office/waitlist/").status_code == 200


def test_a_weak_password_is_refused_by_djangos_validators_and_creates_nothing(owner, client_for, tenant_alpha,
                                                                            in_tenant):
    invite(owner, "weak@example.com")
    path = delivered_link(tenant_alpha, in_tenant, "weak@example.com")
    response = client_for(tenant_alpha).post(path, {"full_name": "W", "password1": "12345678",
                                                    "password2": "12345678"})
    assert response.status_code == 400
    assert "too common" in response.content.decode()
    assert not get_user_model().objects.filter(email="weak@example.com").exists()
    assert Invitation.objects.get(email="weak@example.com").is_open


def test_an_expired_invitation_is_gone_and_can_be_sent_again_with_a_new_link(owner, client_for, tenant_alpha,
                                                                             in_tenant):
    invite(owner, "late@example.com")
    old_path = delivered_link(tenant_alpha, in_tenant, "late@example.com")
    invitation = Invitation.objects.get(email="late@example.com")
    # when: eight days pass
    with time_machine.travel(NOW + dt.timedelta(days=8), tick=False):
        expired = client_for(tenant_alpha).get(old_path)
        assert expired.status_code == 410 and "expired" in expired.content.decode()
        # and the owner sends it again
        assert owner.post(f"/office/members/invitations/{invitation.pk}/resend/").status_code == 302
        new_path = delivered_link(tenant_alpha, in_tenant, "late@example.com")
        # then: the new link works, the old one is unknown
        assert new_path != old_path
        assert client_for(tenant_alpha).get(new_path).status_code == 200
        assert client_for(tenant_alpha).get(old_path).status_code == 404
    assert actions(tenant_alpha)[-2:] == ["invitation.created", "invitation.resent"]


def test_a_withdrawn_invitation_is_gone_and_its_queued_email_is_not_sent(owner, client_for, tenant_alpha,
                                                                          in_tenant):
    invite(owner, "gone@example.com")
    invitation = Invitation.objects.get(email="gone@example.com")
    [row] = OutboxMessage.objects.filter(event_type=INVITATION_EVENT, recipient="gone@example.com")
    assert owner.post(f"/office/members/invitations/{invitation.pk}/revoke/").status_code == 302
    with in_tenant(tenant_alpha):
        assert deliver(row.pk) == "cancelled"
    connection.set_schema_to_public()
    assert mail.outbox == []
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert actions(tenant_alpha)[-1] == "invitation.revoked"


def test_a_link_is_worthless_on_another_organisations_host(owner, client_for, tenant_alpha, tenant_beta, in_tenant):
    invite(owner, "hop@example.com")
    path = delivered_link(tenant_alpha, in_tenant, "hop@example.com")
    on_beta = client_for(tenant_beta)
    assert on_beta.get(path).status_code == 404
    assert on_beta.post(path, {"full_name": "Hop", "password1": NEW_PASSWORD,
                               "password2": NEW_PASSWORD}).status_code == 404
    assert not get_user_model().objects.filter(email="hop@example.com").exists()


def test_an_unknown_token_is_a_404(client_for, tenant_alpha):
    assert client_for(tenant_alpha).get("/office/invitation/not-a-token/").status_code == 404


def test_members_and_open_invitations_are_not_invited_twice(owner, tenant_alpha):
    member = invite(owner, "alpha_staff@example.com")
    assert member.status_code == 400 and "member already" in member.content.decode()
    assert invite(owner, "twice@example.com").status_code == 302
    twice = invite(owner, "TWICE@example.com")
    assert twice.status_code == 400 and "open invitation" in twice.content.decode()
    assert Invitation.objects.filter(tenant=tenant_alpha, email="twice@example.com").count() == 1


# --- roles and removal ------------------------------------------------------------------------------------------


def test_the_last_owner_cannot_step_down_or_leave_and_is_told_next_to_the_field(owner, tenant_alpha, user):
    mine = Membership.objects.get(tenant=tenant_alpha, user=user("alpha_owner"))
    before = actions(tenant_alpha)
    for response in (owner.post(f"/office/members/{mine.pk}/role/", {"role": "admin"}),
                     owner.post(f"/office/members/{mine.pk}/remove/")):
        assert response.status_code == 400
        html = response.content.decode()
        row = html[html.index(f'id="member-{mine.pk}"'):]
        row = row[:row.index("</tr>")]
        assert "at least one owner" in row and 'role="alert"' in row
    mine.refresh_from_db()
    assert mine.role == "owner"
    assert actions(tenant_alpha) == before


def test_an_owner_changes_a_role_and_removes_a_member_which_frees_their_calendar(owner, tenant_alpha, user, anna,
                                                                                 in_tenant):
    staff = Membership.objects.get(tenant=tenant_alpha, user=user("alpha_staff"))
    assert owner.post(f"/office/members/{staff.pk}/calendar/", {"staff": str(anna.pk)}).status_code == 302
    assert owner.post(f"/office/members/{staff.pk}/role/", {"role": "admin"}).status_code == 302
    staff.refresh_from_db()
    assert staff.role == "admin"
    assert owner.post(f"/office/members/{staff.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=staff.pk).exists()
    with in_tenant(tenant_alpha):
        assert StaffMember.objects.get(pk=anna.pk).user_id is None
        assert list(AuditEntry.objects.filter(object_type="staffmember", object_id=anna.pk).order_by("id")
                    .values_list("action", flat=True)) == ["staff.linked", "staff.unlinked"]
    connection.set_schema_to_public()
    assert actions(tenant_alpha)[-2:] == ["membership.updated", "membership.removed"]


def test_a_second_owner_may_be_removed(owner, tenant_alpha, user):
    staff = Membership.objects.get(tenant=tenant_alpha, user=user("alpha_staff"))
    assert owner.post(f"/office/members/{staff.pk}/role/", {"role": "owner"}).status_code == 302
    mine = Membership.objects.get(tenant=tenant_alpha, user=user("alpha_owner"))
    assert owner.post(f"/office/members/{mine.pk}/role/", {"role": "staff"}).status_code == 302
    mine.refresh_from_db()
    assert mine.role == "staff"


# --- two-factor authentication ----------------------------------------------------------------------------------


def test_when_the_owner_requires_two_factor_members_without_it_set_it_up_first(owner, member_client, tenant_alpha,
                                                                               user):
    # given: an owner without an authenticator may not require one of everyone
    refused = owner.post("/office/members/security-policy/", {"mfa_required": "on"}, follow=True)
    assert "Set up your own authenticator app first" in refused.content.decode()
    tenant_alpha.refresh_from_db()
    assert tenant_alpha.mfa_required is False
    # when: with one, the owner requires two-factor authentication
    TOTP.activate(user("alpha_owner"), generate_totp_secret())
    assert owner.post("/office/members/security-policy/", {"mfa_required": "on"}).status_code == 302
    tenant_alpha.refresh_from_db()
    assert tenant_alpha.mfa_required is True
    assert actions(tenant_alpha)[-1] == "tenant.mfa_requirement_changed"
    # then: a member without an authenticator is sent to allauth's set-up page from every back office page
    staff = member_client(tenant_alpha, "alpha_staff")
    for path in ("/office/", "/office/today/", "/office/bookings/", "/office/security/"):
        response = staff.get(path)
        assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/totp/activate/"), path
    assert staff.post("/office/bookings/1/cancel/").status_code == 302
    # (allauth asks for the password again first: a test sign-in has no recent authentication)
    setup = staff.get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 302 and setup["Location"].startswith("/accounts/reauthenticate/")
    assert staff.get(setup["Location"]).status_code == 200
    # and from the organisation's admin too
    admin_page = staff.get("/admin/", follow=True)
    assert admin_page.redirect_chain[-1][0].startswith("/accounts/")
    assert "/accounts/2fa/totp/activate/" in [url for url, _status in admin_page.redirect_chain]
    # and from the operator API with their session
    assert staff.get("/api/v1/operator/bookings/").status_code == 403
    # and once they have one, the back office opens
    TOTP.activate(user("alpha_staff"), generate_totp_secret())
    assert staff.get("/office/today/").status_code == 200
    assert staff.get("/admin/", follow=True).status_code == 403  # the admin is the owners' and admins'
    assert staff.get("/api/v1/operator/bookings/").status_code == 200
    # and the owner, who has one, works on
    assert owner.get("/office/members/").status_code == 200
    # when: the owner lifts the requirement, it is each member's choice again
    assert owner.post("/office/members/security-policy/", {}).status_code == 302
    tenant_alpha.refresh_from_db()
    assert tenant_alpha.mfa_required is False


def test_the_security_page_links_to_the_authenticator_and_recovery_code_pages(owner, user):
    html = owner.get("/office/security/").content.decode()
    assert 'href="/accounts/2fa/totp/activate/"' in html
    TOTP.activate(user("alpha_owner"), generate_totp_secret())
    html = owner.get("/office/security/").content.decode()
    assert 'href="/accounts/2fa/"' in html and 'href="/accounts/2fa/recovery-codes/"' in html


def test_the_members_page_costs_the_same_queries_however_many_members(owner, tenant_alpha):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import real_queries

    owner.get("/office/members/")  # the host's tenant is resolved (and cached) once
    with CaptureQueriesContext(db) as few:
        assert owner.get("/office/members/").status_code == 200
    for number in range(5):
        person = get_user_model().objects.create_user(email=f"more{number}@example.com", password=PASSWORD)
        Membership.objects.create(user=person, tenant=tenant_alpha, role="staff")
        Invitation.objects.create(tenant=tenant_alpha, email=f"invited{number}@example.com", key_salt=str(number),
                                  token_hash=str(number), expires_at=NOW)
    with CaptureQueriesContext(db) as many:
        assert owner.get("/office/members/").status_code == 200
    assert len(real_queries(many)) == len(real_queries(few))
