"""`make up` without Stripe keys: the demo organisations take payments through the local stand-in (allot.stripe_
standin), so the demo's paid services are published and booking one leads to Checkout."""

import pytest
import time_machine

from allot.demo import seed_demo
from billing.models import BookingPayment, ConnectedAccount
from billing.selectors.payments import service_bookable_online, service_needs_payment
from booking_core.models import Booking, Service, Session
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

FRIDAY_EVENING = "2026-12-04T17:10:00+00:00"


@pytest.fixture
def demo_accounts(stripe_api, settings):
    """The accounts `allot up` gives the demo organisations in its stand-in: onboarded from the start."""
    for account in ("acct_standin_demo", "acct_standin_acme"):
        stripe_api.account_add_onboarded(account)
    settings.ALLOT_DEMO_STRIPE_ACCOUNTS = "demo=acct_standin_demo,acme=acct_standin_acme"
    return stripe_api


def test_the_demo_organisations_take_payments_and_their_paid_services_are_published(demo_accounts, in_tenant):
    # when: the demo is seeded (twice: seeding is idempotent), at a fixed instant
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        seed_demo(port=8000)
        seed_demo(port=8000)
    # then: each demo organisation has its account, able to take charges
    accounts = {row.tenant.slug: (row.stripe_account_id, row.charges_enabled)
                for row in ConnectedAccount.objects.filter(tenant__slug__in=["demo", "acme"]).select_related("tenant")}
    assert accounts == {"demo": ("acct_standin_demo", True), "acme": ("acct_standin_acme", True)}
    # and: the demo's group class and consultation are paid services that can be booked online
    demo = Tenant.objects.get(slug="demo")
    with in_tenant(demo):
        for slug, price in [("group-class", (1500, "EUR")), ("consultation", (6000, "EUR"))]:
            service = Service.objects.get(slug=slug)
            assert (service.price_amount, service.price_currency) == price
            assert service_needs_payment(tenant=demo, service=service) is True
            assert service_bookable_online(tenant=demo, service=service) is True


def test_booking_the_demo_group_class_sends_the_client_to_the_stand_ins_checkout(demo_accounts, in_tenant, client_for):
    # given: the seeded demo, at a fixed instant
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        seed_demo(port=8000)
        demo = Tenant.objects.get(slug="demo")
        with in_tenant(demo):
            second = Session.objects.filter(service__slug="group-class").order_by("starts_at")[1]
        # when: a client books two seats of the second class on the booking site
        response = client_for(demo).post(
            f"/s/group-class/book/?session={second.pk}&seats=2&lang=de",
            {"name": "Jonas Weber", "email": "jonas@example.de", "answer_consent": "on",
             "idempotency_key": "demo-paid", "step": "confirm"})
    # then: they are sent to the stand-in's Checkout page for 2 × 15 EUR, on the demo's account
    payment = BookingPayment.objects.get(tenant=demo)
    assert response.status_code == 302
    assert response["Location"] == payment.checkout_url == f"{demo_accounts.base}/pay/{payment.checkout_session_id}"
    checkout = demo_accounts.sessions[payment.checkout_session_id]
    assert (checkout["amount_total"], checkout["currency"], checkout["_stripe_account"]) == \
        (3000, "eur", "acct_standin_demo")
    with in_tenant(demo):
        assert Booking.objects.get(pk=payment.booking_id).status == "pending_payment"
