"""The organisations' subscriptions: Stripe Billing's webhooks drive the billing state (replays and events out
of order change nothing), its effects (the back office banner, no new bookings while unpaid), platform staff
changing the plan, and the owners' billing page with Stripe Checkout and the customer portal."""

from __future__ import annotations

import json

import pytest
import stripe

from billing.models import StripeEvent
from billing.subscriptions.models import Subscription
from billing.subscriptions.services import PlanLimitError, standing_of
from booking_core.models import Booking
from booking_core.services.bookings import booking_create_group
from tenants.models import PlatformAuditEntry
from tests.factories import OPERATOR, client_details
from tests.support.stripe_billing_servers import StripeBillingStandIn
from tests.support.stripe_servers import stripe_event, stripe_signature

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_allot_billing"
T0 = 1_790_000_000  # the events' Stripe `created`, in seconds


@pytest.fixture
def billing_webhook(client_for, settings):
    settings.STRIPE_BILLING_WEBHOOK_SECRET = SECRET

    def post(event: dict, *, secret: str = SECRET):
        payload = json.dumps(event).encode()
        return client_for(None).post("/stripe/webhooks/billing/", data=payload, content_type="application/json",
                                     HTTP_STRIPE_SIGNATURE=stripe_signature(payload, secret))

    return post


def subscription_event(tenant, event_type: str, status: str, *, created: int, plan: str = "starter",
                       event_id: str | None = None) -> dict:
    subscription = {"id": "sub_alpha", "object": "subscription", "customer": "cus_alpha", "status": status,
                    "metadata": {"tenant_id": str(tenant.pk), "plan": plan}, "items": {"data": []}}
    return stripe_event(event_type, subscription, created=created, event_id=event_id)


def state_of(tenant) -> tuple[str, str]:
    row = Subscription.objects.get(tenant=tenant)
    return row.plan, row.state


def test_subscription_events_drive_the_billing_state(tenant_alpha, billing_webhook):
    steps = [("customer.subscription.created", "active", ("starter", "active")),
             ("customer.subscription.updated", "past_due", ("starter", "past_due")),
             ("customer.subscription.updated", "unpaid", ("starter", "unpaid")),
             ("customer.subscription.updated", "active", ("starter", "active")),
             ("customer.subscription.deleted", "canceled", ("starter", "cancelled"))]
    for number, (event_type, status, expected) in enumerate(steps):
        response = billing_webhook(subscription_event(tenant_alpha, event_type, status, created=T0 + number))
        assert response.status_code == 200
        assert state_of(tenant_alpha) == expected
    # cancelled: back on the free plan's limits
    assert standing_of(tenant_alpha).plan.code == "free"
    row = Subscription.objects.get(tenant=tenant_alpha)
    assert (row.stripe_customer_id, row.stripe_subscription_id) == ("cus_alpha", "sub_alpha")


def test_a_failed_invoice_makes_the_subscription_past_due(tenant_alpha, billing_webhook):
    billing_webhook(subscription_event(tenant_alpha, "customer.subscription.created", "active", created=T0))
    invoice = {"id": "in_1", "object": "invoice", "customer": "cus_alpha", "subscription": "sub_alpha"}
    assert billing_webhook(stripe_event("invoice.payment_failed", invoice, created=T0 + 5)).status_code == 200
    assert state_of(tenant_alpha) == ("starter", "past_due")


def test_a_replay_and_an_older_event_change_nothing(tenant_alpha, billing_webhook):
    newer = subscription_event(tenant_alpha, "customer.subscription.updated", "past_due", created=T0 + 10)
    older = subscription_event(tenant_alpha, "customer.subscription.created", "active", created=T0)
    assert billing_webhook(newer).content == b"ok"
    # when: the older event arrives after the newer one, and the newer one is replayed
    assert billing_webhook(older).status_code == 200
    assert billing_webhook(newer).content == b"already received"
    # then: the newer state stands, each event stored once
    assert state_of(tenant_alpha) == ("starter", "past_due")
    assert StripeEvent.objects.get(event_id=older["id"]).result == "stale: a newer state is kept"
    assert StripeEvent.objects.filter(event_id=newer["id"]).count() == 1


def test_a_wrongly_signed_event_is_refused_and_changes_nothing(tenant_alpha, billing_webhook):
    event = subscription_event(tenant_alpha, "customer.subscription.updated", "unpaid", created=T0)
    assert billing_webhook(event, secret="whsec_someone_else").status_code == 400
    assert not Subscription.objects.filter(tenant=tenant_alpha).exists()
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()


def test_past_due_shows_a_banner_in_the_back_office(tenant_alpha, billing_webhook, member_client):
    page = member_client(tenant_alpha, "alpha_staff").get("/office/today/").content.decode()
    assert "data-billing-banner" not in page
    billing_webhook(subscription_event(tenant_alpha, "customer.subscription.updated", "past_due", created=T0))
    for member in ("alpha_owner", "alpha_staff"):
        page = member_client(tenant_alpha, member).get("/office/today/").content.decode()
        assert 'data-billing-banner="past_due"' in page
        assert "The payment of your subscription failed." in page
    owners_page = member_client(tenant_alpha, "alpha_owner").get("/office/today/").content.decode()
    assert 'href="/office/billing/"' in owners_page


def test_an_unpaid_organisation_takes_no_new_bookings_but_existing_links_work(tenant_alpha, site, in_tenant,
                                                                              billing_webhook, client_for):
    with in_tenant(tenant_alpha):
        existing = booking_create_group(tenant=tenant_alpha, session=site.open_session, seats=1, actor=OPERATOR,
                                        client=client_details(email="early@example.com"),
                                        answers={"child_name": "Mia"})
        before = Booking.objects.count()
    billing_webhook(subscription_event(tenant_alpha, "customer.subscription.updated", "unpaid", created=T0))
    # when: a client books on the booking site
    path = f"/s/swimming/book/?session={site.open_session.pk}&seats=1&lang=en"
    response = client_for(tenant_alpha).post(path, {"name": "Jonas Weber", "email": "jonas@example.de",
                                                    "answer_child_name": "Mia", "idempotency_key": "unpaid-key",
                                                    "step": "confirm"})
    # then: refused, saying so, nothing booked
    assert response.status_code == 400
    assert "Alpha Studio is not taking new bookings at the moment." in response.content.decode()
    with in_tenant(tenant_alpha):
        assert Booking.objects.count() == before
        with pytest.raises(PlanLimitError):
            booking_create_group(tenant=tenant_alpha, session=site.open_session, seats=1, actor=OPERATOR,
                                 client=client_details(email="operator@example.com"), answers={"child_name": "Mia"})
    # and: the existing booking's manage link still works
    assert client_for(tenant_alpha).get(f"/b/{existing.manage_token}/?lang=en").status_code == 200


def test_platform_staff_see_and_change_the_plan_in_the_console(tenant_alpha, staff_client, billing_webhook):
    billing_webhook(subscription_event(tenant_alpha, "customer.subscription.updated", "unpaid", created=T0))
    client = staff_client()
    page = client.get(f"/console/tenants/{tenant_alpha.pk}/").content.decode()
    assert 'data-billing-state="unpaid"' in page
    assert '<dd id="tenant-plan">Starter</dd>' in page
    response = client.post(f"/console/tenants/{tenant_alpha.pk}/plan/", {"plan": "pro"})
    assert response.status_code == 302
    assert state_of(tenant_alpha) == ("pro", "unpaid")  # the plan changes; Stripe's word on payment stands
    entry = PlatformAuditEntry.objects.get(action="subscription.plan_changed")
    assert (entry.tenant_id, entry.changes["plan"]) == (tenant_alpha.pk, ["starter", "pro"])
    assert entry.actor_label == "platform_staff@example.com"
    assert client.post(f"/console/tenants/{tenant_alpha.pk}/plan/", {"plan": "gold"}).status_code == 400


# --- the owners' billing page, Stripe Checkout and the customer portal ---------------------------------


@pytest.fixture(scope="session")
def billing_stand_in(stripe_servers):
    stand_in = StripeBillingStandIn(stripe_servers.localstripe_base)
    yield stand_in
    stand_in.stop()


@pytest.fixture
def stripe_billing(billing_stand_in, settings):
    default_base = stripe.api_base
    settings.STRIPE_SECRET_KEY = "sk_test_allot"
    settings.STRIPE_API_BASE = billing_stand_in.base
    settings.STRIPE_PRICE_STARTER = "price_starter_monthly"
    settings.STRIPE_PRICE_PRO = "price_pro_monthly"
    yield billing_stand_in
    stripe.api_base = default_base


def test_the_owner_sees_plan_limits_and_usage(tenant_alpha, member_client):
    page = member_client(tenant_alpha, "alpha_owner").get("/office/billing/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-plan="pro"' in html and 'data-billing-state="active"' in html
    assert 'data-plan-choice="starter"' in html


def test_choosing_a_plan_goes_to_stripe_checkout_and_the_webhook_sets_it(tenant_alpha, member_client,
                                                                         stripe_billing, billing_webhook):
    owner = member_client(tenant_alpha, "alpha_owner")
    response = owner.post("/office/billing/checkout/", {"plan": "starter"})
    assert response.status_code == 302
    session = next(s for s in stripe_billing.sessions.values() if s["url"] == response["Location"])
    row = Subscription.objects.get(tenant=tenant_alpha)
    assert session["mode"] == "subscription"
    assert session["customer"] == row.stripe_customer_id and row.stripe_customer_id.startswith("cus_")
    assert session["_line_items"]["0"]["price"] == "price_starter_monthly"
    assert session["_subscription_data"]["metadata"] == {"tenant_id": str(tenant_alpha.pk), "plan": "starter"}
    # when: Stripe tells us the subscription exists (its id and customer, the metadata checkout gave it)
    created = {"id": "sub_new", "object": "subscription", "customer": row.stripe_customer_id, "status": "active",
               "metadata": {}, "items": {"data": [{"price": {"id": "price_starter_monthly"}}]}}
    billing_webhook(stripe_event("customer.subscription.created", created, created=T0))
    assert state_of(tenant_alpha) == ("starter", "active")
    # and: choosing again does not start a second subscription
    sessions_before = len(stripe_billing.sessions)
    again = owner.post("/office/billing/checkout/", {"plan": "pro"}, follow=True)
    assert "You already have a subscription" in again.content.decode()
    assert len(stripe_billing.sessions) == sessions_before
    # and: the owner manages it on Stripe's portal
    portal = owner.post("/office/billing/portal/")
    assert portal.status_code == 302
    assert portal["Location"] == stripe_billing.portal_sessions[-1]["url"]
    assert stripe_billing.portal_sessions[-1]["customer"] == row.stripe_customer_id


def test_an_admin_may_not_open_the_billing_page(tenant_alpha, client_for):
    from django.contrib.auth import get_user_model

    from tenants.models import Membership
    from tenants.services import membership_add
    from tests.conftest import PASSWORD, signed_in

    admin = get_user_model().objects.create_user(email="alpha_admin@example.com", password=PASSWORD)
    membership_add(tenant=tenant_alpha, user=admin, role=Membership.Role.ADMIN)
    client = signed_in(client_for(tenant_alpha), admin, tenant_alpha.schema_name)
    assert client.get("/office/billing/").status_code == 403
    assert client.post("/office/billing/checkout/", {"plan": "pro"}).status_code == 403
    assert "/office/billing/" not in client.get("/office/today/").content.decode()
