"""Payment tests run against real servers: localstripe, with the stand-in for what it lacks in front of it
(tests/support/stripe_servers.py), both started once per test session."""

from __future__ import annotations

import json

import pytest
import stripe

from tests.support.stripe_servers import StripeStandIn, localstripe_start, stripe_signature

WEBHOOK_SECRET = "whsec_test_allot_payments"


@pytest.fixture(scope="session")
def stripe_servers():
    process, localstripe_base = localstripe_start()
    stand_in = StripeStandIn(localstripe_base)
    try:
        yield stand_in
    finally:
        stand_in.stop()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def stripe_api(stripe_servers, settings):
    """Settings pointing billing's Stripe calls at the local servers (restored afterwards)."""
    default_base = stripe.api_base
    settings.STRIPE_SECRET_KEY = "sk_test_allot"
    settings.STRIPE_API_BASE = stripe_servers.base
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    yield stripe_servers
    stripe.api_base = default_base


@pytest.fixture
def connected(stripe_api, tenant_alpha):
    """Alpha's Stripe account, onboarded (it takes charges)."""
    from billing.models import ConnectedAccount

    account_id = stripe_api._route("POST", "/v1/accounts", {"type": "standard"}, "")[1]["id"]
    stripe_api.onboard(account_id)
    return ConnectedAccount.objects.create(tenant=tenant_alpha, stripe_account_id=account_id, charges_enabled=True,
                                           details_submitted=True)


@pytest.fixture
def post_webhook(client_for):
    """post_webhook(event) -> the root domain's answer to Stripe delivering `event`, correctly signed."""

    def post(event: dict, *, secret: str = WEBHOOK_SECRET, signature: str | None = None):
        payload = json.dumps(event).encode()
        headers = {} if signature == "" else {
            "HTTP_STRIPE_SIGNATURE": signature or stripe_signature(payload, secret)}
        return client_for(None).post("/stripe/webhooks/payments/", data=payload, content_type="application/json",
                                     **headers)

    return post


from tests.public_site.conftest import site  # noqa: E402,F401  (the booking site's services and sessions)


def run_outbox() -> list[str]:
    """Deliver every due outbox row the way the workers do (each in its tenant's schema), until none is left."""
    from django.db import connection
    from django_tenants.utils import schema_context, tenant_context

    from allot.outbox import delivery
    from allot.outbox.models import OutboxMessage
    from tenants.models import Tenant

    outcomes = []
    for _round in range(5):
        rows = list(OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).order_by("id")
                    .values_list("pk", "tenant_schema", "event_type"))
        if not rows:
            break
        for pk, schema, event_type in rows:
            tenant = Tenant.objects.filter(schema_name=schema).first()
            with tenant_context(tenant) if tenant is not None else schema_context(schema):
                outcomes.append(f"{event_type}: {delivery.deliver(pk)}")
        connection.set_schema_to_public()
    return outcomes
