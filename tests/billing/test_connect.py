"""Stripe Connect onboarding from the back office (owners only), against the stand-in's Connect endpoints."""

from __future__ import annotations

import pytest

from billing.models import ConnectedAccount, StripeEvent
from tests.billing.conftest import run_outbox
from tests.conftest import signed_in
from tests.support.stripe_servers import stripe_event

pytestmark = pytest.mark.django_db


def test_an_owner_connects_the_stripe_account_and_comes_back_ready(member_client, tenant_alpha, stripe_api):
    owner = member_client(tenant_alpha, "alpha_owner")
    # given: no account yet
    page = owner.get("/office/payments/")
    assert 'data-stripe-state="none"' in page.content.decode()
    # when: the owner connects
    response = owner.post("/office/payments/connect/")
    # then: an account was created on Stripe and they are sent to its onboarding link
    account = ConnectedAccount.objects.get(tenant=tenant_alpha)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{stripe_api.base}/setup/{account.stripe_account_id}/")
    assert not account.charges_enabled
    # when: they finish on Stripe and come back
    stripe_api.onboard(account.stripe_account_id)
    back = owner.get("/office/payments/return/")
    # then: the state is Stripe's, and a second connect reuses the same account
    assert back.status_code == 302
    account.refresh_from_db()
    assert (account.charges_enabled, account.details_submitted) == (True, True)
    assert 'data-stripe-state="ready"' in owner.get("/office/payments/").content.decode()
    owner.post("/office/payments/connect/")
    assert ConnectedAccount.objects.filter(tenant=tenant_alpha).count() == 1


def test_only_owners_reach_the_payments_settings(member_client, client_for, user, tenant_alpha, stripe_api):
    # given: a staff member of Alpha, and Beta's owner signed in on Alpha's host
    staff = member_client(tenant_alpha, "alpha_staff")
    stranger = signed_in(client_for(tenant_alpha), user("beta_owner"), tenant_alpha.schema_name)
    # when / then
    assert staff.get("/office/payments/").status_code == 403
    assert staff.post("/office/payments/connect/").status_code == 403
    assert stranger.post("/office/payments/connect/").status_code == 404
    assert not ConnectedAccount.objects.exists()


def test_account_events_update_the_state_but_an_older_one_does_not_undo_a_newer(tenant_alpha, connected,
                                                                                post_webhook):
    # given: the newer event says charges are disabled (Stripe asked for more details), the older said enabled
    account = connected.stripe_account_id
    newer = stripe_event("account.updated", {"id": account, "object": "account", "charges_enabled": False,
                                             "details_submitted": True}, account=account, created=2_000_000_100)
    older = stripe_event("account.updated", {"id": account, "object": "account", "charges_enabled": True,
                                             "details_submitted": True}, account=account, created=2_000_000_000)
    # when: they arrive newest first
    post_webhook(newer)
    run_outbox()
    post_webhook(older)
    run_outbox()
    # then
    connected.refresh_from_db()
    assert connected.charges_enabled is False
    assert StripeEvent.objects.get(event_id=older["id"]).result == "stale: a newer state is kept"
