"""The platform staff console on the root domain (/console/): who may enter, the organisations list and
page, suspending and resuming an organisation (seen from its booking site), and the audit log."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.conf import settings

from tenants.models import PlatformAuditEntry, Tenant
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

TOTP_ACTIVATION_URL = "/accounts/2fa/totp/activate/"


# --- who may enter ------------------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(client_for):
    # when
    response = client_for(None).get("/console/?status=trial")
    # then
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fconsole%2F%3Fstatus%3Dtrial"


@pytest.mark.parametrize("user_name", ["alpha_owner", "outsider"])
def test_signed_in_accounts_without_platform_staff_rights_get_a_404(client_for, user, user_name):
    # given: a tenant owner, or any other account, signed in on the root domain
    client = signed_in(client_for(None), user(user_name), settings.PUBLIC_SCHEMA_NAME)
    # when / then: the console does not admit it exists
    assert client.get("/console/").status_code == 404
    assert client.get("/console/audit/").status_code == 404
    assert client.post("/console/tenants/1/suspend/", {"suspend-reason": "x"}).status_code == 404


def test_platform_staff_without_an_authenticator_are_sent_to_set_one_up(client_for, user):
    # given: staff signed in, no TOTP
    client = signed_in(client_for(None), user("platform_staff"), settings.PUBLIC_SCHEMA_NAME)
    # when
    response = client.get("/console/audit/")
    # then: to the set-up, and back here afterwards
    assert response.status_code == 302
    assert response["Location"] == TOTP_ACTIVATION_URL
    assert client.session["_allot_after_mfa_setup"] == "/console/audit/"


def test_staff_who_set_up_their_authenticator_are_led_back_to_the_console(client_for, user, monkeypatch):
    from tests.support.sign_in import FrozenClock, forget_sign_in_limits, password_step

    # given: staff without an authenticator sign in with their password and open the console
    forget_sign_in_limits()
    clock = FrozenClock(monkeypatch)
    client = client_for(None)
    assert password_step(client, "platform_staff@example.com", next_url="/console/audit/").status_code == 302
    assert client.get("/console/audit/")["Location"] == TOTP_ACTIVATION_URL
    # when: they confirm their password and set up the authenticator
    client.post(f"/accounts/reauthenticate/?next={TOTP_ACTIVATION_URL}", {"password": "correct-horse-battery"})
    assert client.get(TOTP_ACTIVATION_URL).status_code == 200
    activated = client.post(TOTP_ACTIVATION_URL, {"code": clock.totp_code(client.session["mfa.totp.secret"])})
    # then: the recovery codes page leads back to the console, which is open now
    codes_page = client.get(activated["Location"]).content.decode()
    assert '<a class="button" href="/console/audit/">Continue</a>' in codes_page
    assert client.get("/console/audit/").status_code == 200
    forget_sign_in_limits()


def test_platform_staff_with_an_authenticator_enter(staff_client):
    # when
    response = staff_client().get("/console/")
    # then
    assert response.status_code == 200
    assert "Alpha Studio" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_console_is_not_on_a_tenants_host(client_for, user, tenant_alpha):
    # given: alpha's owner signed in on alpha's host
    client = signed_in(client_for(tenant_alpha), user("alpha_owner"), tenant_alpha.schema_name)
    # then
    assert client.get("/console/").status_code == 404


# --- the organisations ------------------------------------------------------------------------------------


@pytest.mark.parametrize("search", ["alpha", "ALPHA STU", "alpha.localhost"])
def test_the_list_searches_name_subdomain_and_domain(staff_client, search):
    # when
    page = staff_client().get("/console/", {"q": search}).content.decode()
    # then
    assert "Alpha Studio" in page
    assert "Beta Schwimmschule" not in page


def test_the_list_filters_by_status_and_creation_date(staff_client, tenant_beta):
    # given
    Tenant.objects.filter(pk=tenant_beta.pk).update(status=Tenant.Status.TRIAL)
    client = staff_client()
    # when
    trials = client.get("/console/", {"status": "trial"}).content.decode()
    created_later = client.get("/console/", {"created_from": "2999-01-01"}).content.decode()
    # then
    assert "Beta Schwimmschule" in trials and "Alpha Studio" not in trials
    assert "No organisation matches." in created_later


def test_a_bad_date_range_is_refused_next_to_its_field(staff_client):
    # when
    response = staff_client().get("/console/", {"created_from": "2026-05-01", "created_to": "2026-04-01"})
    # then
    assert response.status_code == 400
    assert "The end of the range is before its start." in response.content.decode()


def test_the_list_hides_the_platforms_own_schemas(staff_client):
    page = staff_client().get("/console/").content.decode()
    assert "2 organisations" in page


def test_a_tenants_page_shows_domains_members_bookings_and_emails(staff_client, tenant_alpha, in_tenant):
    # given: a booking and two emails this month
    from allot.outbox.models import OutboxMessage
    from booking_core.acting import Actor
    from booking_core.services.bookings import booking_create_group
    from tests.factories import client_details, make_session

    with in_tenant(tenant_alpha):
        booking_create_group(tenant=tenant_alpha, session=make_session(capacity=3), seats=1,
                             client=client_details(), actor=Actor.system("test"))
    OutboxMessage.objects.filter(tenant_schema=tenant_alpha.schema_name).update(status=OutboxMessage.Status.SENT)
    sent = OutboxMessage.objects.filter(tenant_schema=tenant_alpha.schema_name).count()
    # when
    page = staff_client().get(f"/console/tenants/{tenant_alpha.pk}/").content.decode()
    # then
    assert "alpha.localhost" in page
    assert "alpha_owner@example.com" in page and "alpha_staff@example.com" in page
    assert '<dd id="bookings-this-month">1</dd>' in page
    assert f"{sent} sent, 0 failed (retrying), 0 dead, 0 waiting" in page


def test_the_list_and_a_tenants_page_take_a_fixed_number_of_queries(staff_client, tenant_alpha,
                                                                   django_assert_max_num_queries):
    # given: a client whose session and authenticator are already looked up once
    client = staff_client()
    client.get("/console/")
    # then: session, user, authenticator, count, page of tenants, their primary domains (and the like), and their
    # activity: sizes, newest bookings (one UNION ALL), members' sign-ins
    with django_assert_max_num_queries(13):
        assert client.get("/console/", {"q": "a"}).status_code == 200
    # memberships, domains, outbox counts, bookings count (in the tenant's schema), job runs, audit entries, activity
    with django_assert_max_num_queries(17):
        assert client.get(f"/console/tenants/{tenant_alpha.pk}/").status_code == 200


def test_the_list_and_a_tenants_page_show_last_activity_and_storage(staff_client, tenant_alpha, tenant_beta,
                                                                   in_tenant):
    import datetime as dt

    import time_machine

    from booking_core.acting import Actor
    from booking_core.services.bookings import booking_create_group
    from tenants.console.selectors import console_tenant_activity
    from tests.factories import client_details, make_session

    # given: a booking in Alpha made at a known moment; nobody of Beta has signed in
    booked_at = dt.datetime(2026, 5, 4, 10, 30, tzinfo=dt.UTC)
    with time_machine.travel(booked_at, tick=False), in_tenant(tenant_alpha):
        booking_create_group(tenant=tenant_alpha, session=make_session(capacity=3), seats=1,
                             client=client_details(), actor=Actor.system("test"))
    # when
    activity = console_tenant_activity([tenant_alpha, tenant_beta])
    # then: the booking's moment, and the schemas' sizes (both cloned from one template: alike but not empty)
    assert activity[tenant_alpha.pk].last_booking_at == booked_at
    assert activity[tenant_beta.pk].last_booking_at is None
    assert activity[tenant_alpha.pk].storage_bytes > 100_000 and activity[tenant_beta.pk].storage_bytes > 100_000
    client = staff_client()
    page = client.get("/console/", {"q": "alpha"}).content.decode()
    assert "Last activity" in page and "Storage" in page
    detail = client.get(f"/console/tenants/{tenant_alpha.pk}/").content.decode()
    assert "last booking 2026-05-04 10:30" in detail


def test_the_page_of_an_unknown_or_platform_schema_is_a_404(staff_client):
    client = staff_client()
    public = Tenant.objects.get(schema_name=settings.PUBLIC_SCHEMA_NAME)
    assert client.get(f"/console/tenants/{public.pk}/").status_code == 404
    assert client.get("/console/tenants/999999/").status_code == 404


# --- suspend and resume -------------------------------------------------------------------------------------


def test_suspending_takes_the_booking_site_offline_and_resuming_brings_it_back(staff_client, client_for,
                                                                              tenant_alpha, user):
    # given
    console = staff_client()
    visitor = client_for(tenant_alpha)
    assert visitor.get("/").status_code == 200
    # when: suspended from the console
    suspended = console.post(f"/console/tenants/{tenant_alpha.pk}/suspend/",
                             {"suspend-reason": "Unpaid invoices since March"})
    # then
    assert suspended.status_code == 302
    unavailable = visitor.get("/")
    assert unavailable.status_code == 503
    assert "temporarily unavailable" in unavailable.content.decode()
    tenant_alpha.refresh_from_db()
    assert tenant_alpha.status == Tenant.Status.SUSPENDED
    assert tenant_alpha.suspension_reason == "Unpaid invoices since March"
    page = console.get(suspended["Location"]).content.decode()
    assert "Unpaid invoices since March" in page

    # when: resumed
    resumed = console.post(f"/console/tenants/{tenant_alpha.pk}/resume/", {"resume-reason": "Paid in full"})
    # then
    assert resumed.status_code == 302
    assert visitor.get("/").status_code == 200
    tenant_alpha.refresh_from_db()
    assert (tenant_alpha.status, tenant_alpha.suspension_reason) == (Tenant.Status.ACTIVE, "")
    entries = list(PlatformAuditEntry.objects.filter(tenant_id=tenant_alpha.pk,
                                                     action__in=["tenant.suspended", "tenant.resumed"])
                   .order_by("created_at", "pk").values_list("action", "actor_label", "changes"))
    assert entries == [
        ("tenant.suspended", "platform_staff@example.com", {
            "status": ["active", "suspended"], "suspension_reason": ["", "Unpaid invoices since March"],
            "status_before_suspension": ["", "active"]}),
        ("tenant.resumed", "platform_staff@example.com", {
            "status": ["suspended", "active"], "suspension_reason": ["Unpaid invoices since March", ""],
            "status_before_suspension": ["active", ""], "resume_reason": [None, "Paid in full"]}),
    ]


def test_a_trial_organisation_resumes_as_a_trial(tenant_beta, user):
    from tenants.services import tenant_resume, tenant_suspend

    # given
    Tenant.objects.filter(pk=tenant_beta.pk).update(status=Tenant.Status.TRIAL)
    tenant_beta.refresh_from_db()
    # when
    tenant_suspend(tenant=tenant_beta, reason="Spam reports", actor=user("platform_staff"))
    tenant_resume(tenant=tenant_beta, reason="Cleared up", actor=user("platform_staff"))
    # then
    tenant_beta.refresh_from_db()
    assert tenant_beta.status == Tenant.Status.TRIAL


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_empty_reason_is_refused_next_to_the_field_and_nothing_changes(staff_client, client_for, tenant_alpha,
                                                                          reason):
    # given
    entries_before = PlatformAuditEntry.objects.count()
    # when
    response = staff_client().post(f"/console/tenants/{tenant_alpha.pk}/suspend/", {"suspend-reason": reason})
    # then
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why: the reason is kept in the platform" in page
    assert ('<ul class="errorlist" id="id_suspend-reason_error"><li>Say why: the reason is kept in the platform'
            in page)
    tenant_alpha.refresh_from_db()
    assert tenant_alpha.status == Tenant.Status.ACTIVE
    assert PlatformAuditEntry.objects.count() == entries_before
    assert client_for(tenant_alpha).get("/").status_code == 200


def test_resuming_an_organisation_that_is_not_suspended_is_refused(staff_client, tenant_alpha):
    response = staff_client().post(f"/console/tenants/{tenant_alpha.pk}/resume/", {"resume-reason": "why not"})
    assert response.status_code == 400
    assert "This organisation is not suspended." in response.content.decode()


def test_suspending_needs_the_csrf_token(client_for, user, tenant_alpha):
    # given: staff with an authenticator, on a client that checks CSRF
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    staff = user("platform_staff")
    TOTP.activate(staff, generate_totp_secret())
    client = signed_in(client_for(None, enforce_csrf_checks=True), staff, settings.PUBLIC_SCHEMA_NAME)
    # when
    response = client.post(f"/console/tenants/{tenant_alpha.pk}/suspend/", {"suspend-reason": "no token"})
    # then
    assert response.status_code == 403
    tenant_alpha.refresh_from_db()
    assert tenant_alpha.status == Tenant.Status.ACTIVE


# --- the audit log ------------------------------------------------------------------------------------------


def test_the_audit_log_lists_entries_newest_first_and_filters_by_tenant(staff_client, tenant_alpha, tenant_beta,
                                                                        user):
    from tenants.services import tenant_suspend

    # given
    tenant_suspend(tenant=tenant_beta, reason="First", actor=user("platform_staff"))
    tenant_suspend(tenant=tenant_alpha, reason="Second", actor=user("platform_staff"))
    client = staff_client()
    # when
    everything = client.get("/console/audit/").content.decode()
    alpha_only = client.get("/console/audit/", {"tenant": tenant_alpha.pk}).content.decode()
    # then
    assert everything.index("Second") < everything.index("First")
    assert "Second" in alpha_only and "First" not in alpha_only


def test_an_unknown_tenant_in_the_audit_filter_is_refused(staff_client):
    response = staff_client().get("/console/audit/", {"tenant": "999999"})
    assert response.status_code == 400


# --- platform health ----------------------------------------------------------------------------------------


def test_the_health_page_counts_messages_per_tenant_and_retries_the_dead_ones(staff_client, tenant_alpha,
                                                                             tenant_beta):
    # given: two dead messages of alpha, one of beta, one failed failed job run
    from django.utils import timezone

    from allot.jobs.models import JobRun
    from allot.outbox.models import OutboxMessage

    def message(tenant, key, status):
        return OutboxMessage.objects.create(
            tenant_schema=tenant.schema_name, event_type="booking.confirmed", recipient="dora@example.com",
            idempotency_key=key, status=status, attempts=6, next_attempt_at=timezone.now())

    message(tenant_alpha, "a1", OutboxMessage.Status.DEAD)
    message(tenant_alpha, "a2", OutboxMessage.Status.DEAD)
    message(tenant_alpha, "a3", OutboxMessage.Status.PENDING)
    kept_dead = message(tenant_beta, "b1", OutboxMessage.Status.DEAD)
    JobRun.objects.create(job_name="reminders", tenant_schema=tenant_beta.schema_name, started_at=timezone.now(),
                          status=JobRun.Status.FAILED, error="SMTP said no")
    client = staff_client()
    # when
    page = client.get("/console/health/").content.decode()
    retried = client.post(f"/console/tenants/{tenant_alpha.pk}/outbox/retry-dead/")
    # then
    assert "Alpha Studio" in page and "Beta Schwimmschule" in page and "SMTP said no" in page
    assert retried.status_code == 302 and retried["Location"] == "/console/health/"
    alpha_statuses = sorted(OutboxMessage.objects.filter(tenant_schema=tenant_alpha.schema_name,
                                                         idempotency_key__in=["a1", "a2", "a3"])
                            .values_list("status", "attempts"))
    assert alpha_statuses == [("pending", 0), ("pending", 0), ("pending", 6)]
    kept_dead.refresh_from_db()
    assert kept_dead.status == OutboxMessage.Status.DEAD
    entry = PlatformAuditEntry.objects.filter(action="outbox.dead_retried").get()
    assert (entry.tenant_id, entry.changes) == (tenant_alpha.pk, {"messages_retried": [None, 2]})
    assert "2 dead messages of Alpha Studio are queued again." in client.get("/console/health/").content.decode()


def test_the_health_page_and_its_retry_are_404_for_tenant_owners(client_for, user, tenant_alpha):
    client = signed_in(client_for(None), user("alpha_owner"), settings.PUBLIC_SCHEMA_NAME)
    assert client.get("/console/health/").status_code == 404
    assert client.post(f"/console/tenants/{tenant_alpha.pk}/outbox/retry-dead/").status_code == 404


@pytest.mark.parametrize("page", ["/console/", "/console/audit/", "/console/health/", "tenant"])
def test_console_pages_keep_the_strict_content_security_policy(staff_client, tenant_alpha, page):
    from tests.public_site.test_security_headers import assert_strict_page

    path = f"/console/tenants/{tenant_alpha.pk}/" if page == "tenant" else page
    response = staff_client().get(path)
    assert response.status_code == 200
    assert_strict_page(response)


def test_the_back_office_of_a_suspended_organisation_tells_its_members_why_and_nobody_else(
        staff_client, member_client, client_for, user, tenant_alpha):
    from tenants.services import tenant_suspend

    # given: alpha suspended, its owner signed in on alpha's host
    owner = member_client(tenant_alpha, "alpha_owner")
    tenant_suspend(tenant=tenant_alpha, reason="Unpaid invoices since March", actor=user("platform_staff"))
    # when
    members_view = owner.get("/office/")
    admin_view = owner.get("/admin/")
    visitors_office = client_for(tenant_alpha).get("/office/")
    booking_site = owner.get("/")
    # then: 503 everywhere; the reason only in the back office, only for members
    assert [r.status_code for r in (members_view, admin_view, visitors_office, booking_site)] == [503] * 4
    assert "Unpaid invoices since March" in members_view.content.decode()
    assert "Unpaid invoices since March" in admin_view.content.decode()
    assert "Unpaid invoices since March" not in visitors_office.content.decode()
    assert "Unpaid invoices since March" not in booking_site.content.decode()
    # and a member of another organisation carrying a session bound to beta learns nothing either
    beta_owner = signed_in(client_for(tenant_alpha), user("beta_owner"), "t_beta")
    assert "Unpaid invoices since March" not in beta_owner.get("/office/").content.decode()


# --- the owner's email confirmation ---------------------------------------------------------------------------


def test_staff_resend_an_unconfirmed_owners_confirmation_through_the_outbox(staff_client, tenant_alpha, user):
    # given: alpha's owner has not confirmed their address
    from allauth.account.models import EmailAddress

    from allot.outbox.models import OutboxMessage

    EmailAddress.objects.filter(email="alpha_owner@example.com").update(verified=False)
    client = staff_client()
    page = client.get(f"/console/tenants/{tenant_alpha.pk}/").content.decode()
    assert "alpha_owner@example.com (not confirmed)" in page
    # when
    response = client.post(f"/console/tenants/{tenant_alpha.pk}/resend-verification/")
    # then
    assert response.status_code == 302
    queued = OutboxMessage.objects.filter(event_type="account.email_confirmation",
                                          recipient="alpha_owner@example.com")
    assert queued.count() == 1 and queued.get().language == "en"
    entry = PlatformAuditEntry.objects.get(action="owner.verification_resent")
    assert (entry.tenant_id, entry.actor_label) == (tenant_alpha.pk, "platform_staff@example.com")


def test_resending_to_a_confirmed_owner_is_refused_and_sends_nothing(staff_client, tenant_alpha):
    from allot.outbox.models import OutboxMessage

    # when
    response = staff_client().post(f"/console/tenants/{tenant_alpha.pk}/resend-verification/")
    # then
    assert response.status_code == 400
    assert "The owner&#x27;s email address is already confirmed." in response.content.decode()
    assert not OutboxMessage.objects.filter(event_type="account.email_confirmation").exists()
    assert not PlatformAuditEntry.objects.filter(action="owner.verification_resent").exists()


# --- custom domains -------------------------------------------------------------------------------------------


def test_staff_add_and_remove_a_custom_domain_which_then_serves_the_booking_site(staff_client, tenant_alpha):
    from django.test import Client

    from tenants.models import Domain

    # given
    console = staff_client()
    # when
    added = console.post(f"/console/tenants/{tenant_alpha.pk}/domains/",
                         {"domain-domain": "Booking.Alpha-Studio.example."})
    # then
    assert added.status_code == 302
    domain = Domain.objects.get(domain="booking.alpha-studio.example")
    assert domain.tenant_id == tenant_alpha.pk and not domain.is_primary
    assert Client(HTTP_HOST="booking.alpha-studio.example").get("/").status_code == 200
    assert PlatformAuditEntry.objects.filter(action="domain.added", object_id=domain.pk,
                                             actor_label="platform_staff@example.com").exists()
    # when
    removed = console.post(f"/console/tenants/{tenant_alpha.pk}/domains/{domain.pk}/remove/")
    # then
    assert removed.status_code == 302
    assert not Domain.objects.filter(pk=domain.pk).exists()
    assert Client(HTTP_HOST="booking.alpha-studio.example").get("/").status_code == 404


@pytest.mark.parametrize(("domain", "message"), [
    ("not a domain", "Enter a host name such as booking.example.com."),
    ("gamma.localhost", "Names under localhost are not custom domains."),
    ("beta.localhost", "Names under localhost are not custom domains."),
])
def test_a_bad_or_platform_domain_is_refused_next_to_the_field(staff_client, tenant_alpha, domain, message):
    from tenants.models import Domain

    # given
    domains_before = list(Domain.objects.order_by("pk").values_list("pk", "domain", "tenant_id"))
    # when
    response = staff_client().post(f"/console/tenants/{tenant_alpha.pk}/domains/", {"domain-domain": domain})
    # then
    assert response.status_code == 400
    assert f'<ul class="errorlist" id="id_domain-domain_error"><li>{message}' in response.content.decode()
    assert list(Domain.objects.order_by("pk").values_list("pk", "domain", "tenant_id")) == domains_before


def test_another_organisations_custom_domain_is_taken(staff_client, tenant_alpha, tenant_beta):
    from tenants.models import Domain
    from tenants.services import domain_add

    domain_add(tenant=tenant_beta, domain="booking.beta.example")
    response = staff_client().post(f"/console/tenants/{tenant_alpha.pk}/domains/",
                                   {"domain-domain": "booking.beta.example"})
    assert response.status_code == 400
    assert ('<ul class="errorlist" id="id_domain-domain_error"><li>Domain with this Domain already exists.'
            in response.content.decode())
    assert Domain.objects.get(domain="booking.beta.example").tenant_id == tenant_beta.pk


def test_the_primary_domain_and_another_organisations_domain_cannot_be_removed(staff_client, tenant_alpha,
                                                                               tenant_beta):
    from tenants.models import Domain

    client = staff_client()
    primary = Domain.objects.get(tenant=tenant_alpha, is_primary=True)
    betas = Domain.objects.get(tenant=tenant_beta, is_primary=True)
    refused = client.post(f"/console/tenants/{tenant_alpha.pk}/domains/{primary.pk}/remove/")
    cross_tenant = client.post(f"/console/tenants/{tenant_alpha.pk}/domains/{betas.pk}/remove/")
    assert refused.status_code == 400
    assert "The primary domain cannot be removed" in refused.content.decode()
    assert cross_tenant.status_code == 404
    assert Domain.objects.filter(pk__in=[primary.pk, betas.pk]).count() == 2


def test_the_health_page_shows_the_schedulers_lease_and_the_last_finished_job_run(staff_client):
    from django.utils import timezone

    from allot.jobs.models import JobRun
    from allot.jobs.scheduler import Leadership

    # given: no scheduler
    client = staff_client()
    assert "no scheduler holds the lease" in client.get("/console/health/").content.decode()
    # when: a scheduler takes the lease and a run finishes
    leadership = Leadership()
    assert leadership.acquire_or_renew()
    now = timezone.now()
    JobRun.objects.create(job_name="reminders", started_at=now, finished_at=now, status=JobRun.Status.SUCCEEDED)
    try:
        page = client.get("/console/health/").content.decode()
    finally:
        leadership.release()
    # then
    assert f"running: {leadership.identity} holds the lease" in page
    assert f'<dd id="last-job-run">{timezone.localtime(now):%Y-%m-%d %H:%M:%S}' in page


def test_the_health_page_lists_each_worker_and_scheduler_process_and_marks_stale_ones(staff_client):
    import json
    import socket

    import time_machine

    from allot.heartbeat_board import BoardEntry
    from allot.redis import get_redis, key

    board = key("heartbeats")
    get_redis().delete(board)
    now = dt.datetime(2026, 11, 3, 9, 41, 30, tzinfo=dt.UTC)
    try:
        with time_machine.travel(now, tick=False):
            # given this process beating as a worker of two queues and as the leading scheduler
            BoardEntry("worker", queues=["transactional", "bulk"]).beat()
            scheduler = BoardEntry("scheduler", role="leader")
            scheduler.beat(now=now.timestamp() - 12)
            # and a worker on another pod that last beat 5 minutes ago
            get_redis().hset(board, "worker:pod-b:4242", json.dumps({
                "kind": "worker", "host": "pod-b", "pid": 4242, "queues": ["webhooks"], "role": "",
                "started": now.timestamp() - 3600, "last_seen": now.timestamp() - 300}))
            page = staff_client().get("/console/health/").content.decode()
    finally:
        get_redis().delete(board)
    # then the page lists the three, the stale one marked, with host, pid, queues and when they were last seen
    rows = re.findall(r'<tr class="process--(\w+)">(.*?)</tr>', page, re.S)
    cells = [(state, re.findall(r"<td>(.*?)</td>", row, re.S)) for state, row in rows]
    host, pid = socket.gethostname(), str(os.getpid())
    assert cells == [
        ("fresh", ["scheduler (leader)", host, pid, "—", "12 s ago", "alive"]),
        ("fresh", ["worker", host, pid, "bulk, transactional", "0 s ago", "alive"]),
        ("stale", ["worker", "pod-b", "4242", "webhooks", "300 s ago", "<strong>stale</strong>"]),
    ]
    assert "one not seen for more than 60 s is stale" in page


def test_the_health_page_says_when_no_process_beats(staff_client):
    from allot.redis import get_redis, key

    get_redis().delete(key("heartbeats"))
    page = staff_client().get("/console/health/").content.decode()
    assert "No worker or scheduler process has reported a heartbeat" in page


def test_a_wrong_method_is_a_404_for_outsiders_too_so_the_console_stays_hidden(client_for, user, tenant_alpha):
    outsider = signed_in(client_for(None), user("outsider"), settings.PUBLIC_SCHEMA_NAME)
    assert outsider.get(f"/console/tenants/{tenant_alpha.pk}/suspend/").status_code == 404
    assert outsider.post("/console/").status_code == 404
