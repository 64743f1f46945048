"""The plans' limits, enforced where the booking domain writes: a limit reached refuses with a message naming
it and changes nothing. Plus the 14-day trial and organisations without a subscription record."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import time_machine
from django.db import connection

from billing import plans
from billing.subscriptions.models import Subscription
from billing.subscriptions.services import PlanLimitError, standing_of, subscription_plan_set
from booking_core.models import Booking, Service, Session, StaffMember
from booking_core.services.bookings import booking_create_group
from booking_core.services.catalogue import staff_create
from tenants.models import Domain, PlatformAuditEntry, Tenant
from tenants.services import domain_add
from tests.factories import OPERATOR, client_details, make_service, make_session

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def small_free_plan(monkeypatch):
    """The free plan with 2 bookings a month, so the limit is reached by a test in a few bookings."""
    monkeypatch.setitem(plans.PLANS, "free", dataclasses.replace(plans.FREE, bookings_per_month=2))


def on_plan(tenant, code: str):
    subscription_plan_set(tenant=tenant, plan=code, actor=None)


def test_an_organisation_set_up_by_platform_staff_has_the_unbilled_plan(tenant_alpha, settings):
    assert standing_of(tenant_alpha).plan.code == "pro"
    settings.ALLOT_UNBILLED_PLAN = "starter"
    assert standing_of(tenant_alpha).plan.code == "starter"


def test_a_trial_has_the_trial_plan_for_14_days_then_the_free_plan(tenant_alpha):
    Tenant.objects.filter(pk=tenant_alpha.pk).update(status=Tenant.Status.TRIAL, created_at=NOW)
    tenant_alpha.refresh_from_db()
    during = standing_of(tenant_alpha, now=NOW + dt.timedelta(days=13, hours=23))
    after = standing_of(tenant_alpha, now=NOW + dt.timedelta(days=14))
    assert (during.plan.code, during.state, during.trial_ends_at) == ("pro", "trial", NOW + dt.timedelta(days=14))
    assert (after.plan.code, after.takes_new_bookings) == ("free", True)


def test_the_staff_limit_refuses_one_more_staff_member_and_adds_nobody(tenant_alpha, in_tenant):
    on_plan(tenant_alpha, "free")  # 2 staff members
    with in_tenant(tenant_alpha):
        staff_create(actor=OPERATOR, name="Anna")
        staff_create(actor=OPERATOR, name="Béla")
        with pytest.raises(PlanLimitError) as refusal:
            staff_create(actor=OPERATOR, name="Csaba")
        assert str(refusal.value) == ("The Free plan includes 2 staff members; choose a larger plan to add more.")
        assert list(StaffMember.objects.order_by("name").values_list("name", flat=True)) == ["Anna", "Béla"]
        # an inactive resource does not count and can be added
        staff_create(actor=OPERATOR, name="Old room", is_active=False)
    connection.set_schema_to_public()
    on_plan(tenant_alpha, "starter")
    with in_tenant(tenant_alpha):
        staff_create(actor=OPERATOR, name="Csaba")
        assert StaffMember.objects.filter(is_active=True).count() == 3


def test_the_monthly_bookings_limit_refuses_a_booking_and_takes_no_seat(tenant_alpha, in_tenant, small_free_plan):
    on_plan(tenant_alpha, "free")
    with time_machine.travel(NOW, tick=False), in_tenant(tenant_alpha):
        session = make_session(make_service(Service.Kind.GROUP), capacity=10, starts_in_days=30)
        made = [booking_create_group(tenant=tenant_alpha, session=session, seats=1, actor=OPERATOR,
                                     client=client_details(email=email), idempotency_key=f"key-{email}")
                for email in ("a@example.com", "b@example.com")]
        # a retried submission of a booking made gets its booking, not the refusal
        again = booking_create_group(tenant=tenant_alpha, session=session, seats=1, actor=OPERATOR,
                                     client=client_details(email="b@example.com"), idempotency_key="key-b@example.com")
        assert again.pk == made[1].pk
        with pytest.raises(PlanLimitError) as refusal:
            booking_create_group(tenant=tenant_alpha, session=session, seats=1, actor=OPERATOR,
                                 client=client_details(email="c@example.com"))
        assert "reached the 2 bookings a month of its plan" in str(refusal.value)
        assert Booking.objects.count() == 2
        assert Session.objects.get(pk=session.pk).seats_booked == 2
    # next month the count starts again
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 30, tzinfo=dt.UTC), tick=False), in_tenant(tenant_alpha):
        booking_create_group(tenant=tenant_alpha, session=session, seats=1, actor=OPERATOR,
                             client=client_details(email="c@example.com"))
        assert Booking.objects.count() == 3


def test_programmes_are_refused_on_the_free_plan(tenant_alpha, in_tenant):
    from booking_core.programmes.models import Programme
    from booking_core.programmes.services.programmes import programme_create

    on_plan(tenant_alpha, "free")
    with in_tenant(tenant_alpha):
        with pytest.raises(PlanLimitError) as refusal:
            programme_create(tenant=tenant_alpha, actor=OPERATOR, slug="swim", name_en="Swim", name_hu="Úszás",
                             name_de="Schwimmen", period_start=dt.date(2027, 1, 1), period_end=dt.date(2027, 1, 31),
                             signup_opens_at=NOW, signup_closes_at=NOW + dt.timedelta(days=2),
                             strategy=Programme.Strategy.FAST_FILL,
                             allocation_mode=Programme.AllocationMode.IMMEDIATE, price_amount=1000,
                             price_currency="EUR", is_published=True)
        assert str(refusal.value) == "The Free plan does not include programmes; choose a plan that does."
        assert not Programme.objects.exists()


def test_a_custom_domain_needs_a_plan_that_includes_one(tenant_alpha):
    on_plan(tenant_alpha, "free")
    with pytest.raises(PlanLimitError) as refusal:
        domain_add(tenant=tenant_alpha, domain="booking.alpha-studio.example")
    assert "does not include a custom domain" in str(refusal.value)
    assert not Domain.objects.filter(domain="booking.alpha-studio.example").exists()
    on_plan(tenant_alpha, "starter")
    domain_add(tenant=tenant_alpha, domain="booking.alpha-studio.example")
    assert Domain.objects.filter(domain="booking.alpha-studio.example", tenant=tenant_alpha).exists()


def test_the_plan_change_is_audited(tenant_alpha, user):
    subscription_plan_set(tenant=tenant_alpha, plan="starter", actor=user("platform_staff"))
    entry = PlatformAuditEntry.objects.filter(action="subscription.plan_changed").get()
    assert entry.tenant_id == tenant_alpha.pk
    assert Subscription.objects.get(tenant=tenant_alpha).plan == "starter"


def test_the_api_answers_a_reached_limit_with_a_403_naming_it(tenant_alpha, api_key_client, in_tenant):
    on_plan(tenant_alpha, "free")
    with in_tenant(tenant_alpha):
        staff_create(actor=OPERATOR, name="Anna")
        staff_create(actor=OPERATOR, name="Béla")
    connection.set_schema_to_public()
    response = api_key_client(tenant_alpha).post("/api/v1/operator/staff/", {"name": "Csaba"},
                                                 content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "plan_limit"
    assert "includes 2 staff members" in response.json()["detail"]
